// ManualPipeline: the steps of pipeline instances run by a one-shot command (run-now, backfill,
// rerun) under the daemon's rules: a step's retries follow core::retried; after a step's final
// outcome its downstream steps run in order, each once all its upstream jobs have succeeded for
// the slot, and the steps below a failure are recorded skipped, as are those below a load that
// brought nothing new (core::kNoNewData, as in the daemon); a final failure fires the job's
// failure hooks and notify command as core::failure_follow_up decides - whatever started the run.
// Progress goes to `out`, one line per run, skip and notification.
//
// Error contract: throws mysql::DbError when the database is unreachable; a job's failure is an
// outcome (the step returns false), not an exception.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <utility>

#include "config/config.hpp"
#include "config/job_graph.hpp"
#include "core/run_status.hpp"
#include "exec/manual_runner.hpp"

namespace sqlcron::exec {

struct ManualTotals {
  int ran = 0;          // steps run (each with its retries)
  int succeeded = 0;    // of them, succeeded
  int failed = 0;       // of them, finally failed
  int already = 0;      // not run: succeeded for the slot before
  int skipped = 0;      // recorded skipped (or claimed by another instance)
  int idle = 0;         // recorded skipped below a load that brought nothing new (not a failure)
  int running = 0;      // not started: an attempt of the slot is running (another process's)
  int interrupted = 0;  // not started: a signal arrived (nothing recorded; rerun them)
};

class ManualPipeline {
 public:
  ManualPipeline(std::shared_ptr<const config::Config> config, ManualRunner& runner,
                 std::ostream& out);

  // One step for one slot, with its retries and, on a final failure, its hooks and notify.
  // Without `force`, a step that already succeeded for the slot is not run again. `chain` is the
  // instance (0: this step is the root; set to its run). `on_claimed` gets the first run id.
  // True if the step succeeded (now or before).
  bool step(std::size_t job, schedule::Instant slot, core::RunCause cause, std::int64_t& chain,
            bool force, const std::function<void(std::int64_t)>& on_claimed = {});
  // The steps below `from` for `slot`, in an order they can run: each runs (with `cause`) once all
  // its upstream jobs succeeded for the slot, else is recorded skipped.
  void downstream(std::size_t from, schedule::Instant slot, std::int64_t chain,
                  core::RunCause cause, bool force);
  // Records `job` skipped for `slot` with `why` (as `cause`) unless it succeeded for the slot
  // before.
  void skip(std::size_t job, schedule::Instant slot, std::int64_t chain, const std::string& why,
            core::RunCause cause = core::RunCause::chain);

  // The steps below a load that brought nothing new run anyway (backfill --force: the operator
  // asked for them) instead of being recorded skipped.
  void run_below_empty_loads() { run_below_empty_loads_ = true; }

  [[nodiscard]] const ManualTotals& totals() const { return totals_; }
  [[nodiscard]] const config::JobGraph& graph() const { return graph_; }

 private:
  // Runs `r` and its retries; the final report (claimed false: another instance holds it).
  RunReport run_with_retries(RunRequest r, const std::function<void(std::int64_t)>& on_claimed);
  void follow_failure(const RunRequest& request, const RunReport& report);
  void print(schedule::Instant slot, const std::string& job, const RunReport& report);

  std::shared_ptr<const config::Config> config_;
  ManualRunner& runner_;
  std::ostream& out_;
  config::JobGraph graph_;
  ManualTotals totals_;
  bool run_below_empty_loads_ = false;
  // Why a step below a failure is skipped for a slot (the failure's own reason); empty: another
  // instance claimed a step above it, and runs it.
  std::map<std::pair<std::size_t, schedule::Instant>, std::string> blocked_;
};

}  // namespace sqlcron::exec
