// RunFinisher: finishes `runs` rows (and the jobs table's last_run_id / last_status /
// next_fire_at) in batches - group commit. Worker threads call finish() when their run's SQL has
// ended; the first of them becomes the writer and writes every result queued so far with one
// UPDATE of `runs` and one of `jobs` on a connection of its own, while results arriving meanwhile
// queue up for the next batch. finish() returns only once its row is written (or spooled), so
// the guarantees of RunLog::finish hold unchanged: a run's row is finished after its SQL ended
// and before the daemon learns the run is over; only rows still `running` (or `abandoned` by
// another instance meanwhile) are finished; a result is never lost.
//
// Under load this turns ~2 round trips per run into ~2 per batch; a lone run pays the same as
// before.
//
// Error contract: finish() never throws for database failure. When a batch cannot be written
// (after one retry on a fresh connection), every result of it goes to the spool and finish()
// returns false. It throws std::system_error only if the spool itself fails (as Spool::append).
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/run_outcome.hpp"
#include "mysql/session.hpp"
#include "runlog/spool.hpp"
#include "schedule/schedule.hpp"

namespace sqlcron::runlog {

struct FinishedRun {
  std::int64_t run_id = 0;
  core::RunOutcome outcome;
  std::chrono::system_clock::time_point finished_at;
  std::string job;                             // its row in the jobs table gets the result
  std::optional<schedule::Instant> next_fire;  // for the jobs table
};

class RunFinisher {
 public:
  // Opens the writer's connection (lazily; again after a failure). Throws mysql::DbError.
  using Open = std::function<std::unique_ptr<mysql::Session>()>;
  // At most this many rows per statement; a larger batch is written in several.
  static constexpr std::size_t kMaxRows = 256;

  RunFinisher(const std::string& state_schema, Open open, Spool& spool);

  // Returns true once the result is in the run log, false if it had to be spooled.
  bool finish(const FinishedRun& run);

 private:
  struct Pending {
    const FinishedRun* run;
    bool done = false;
    bool written = false;
  };

  bool write_or_spool(const std::vector<Pending*>& batch);
  void write(mysql::Session& s, const std::vector<Pending*>& batch) const;

  std::string runs_;  // `schema`.runs
  std::string jobs_;  // `schema`.jobs
  Open open_;
  Spool& spool_;
  std::mutex mutex_;
  std::condition_variable written_;
  std::vector<Pending*> queue_;
  bool writing_ = false;
  std::unique_ptr<mysql::Session> session_;  // used by the current writer only
};

}  // namespace sqlcron::runlog
