// RunFinisher: finishes `runs` rows (and the jobs table's last_run_id / last_status /
// next_fire_at) in batches - group commit. Worker threads hand over their run's result when its
// SQL has ended and go on to their next run; the finisher's own thread writes every result queued
// so far with one UPDATE of `runs` and one of `jobs` on a connection of its own, while results
// arriving meanwhile queue up for the next batch. Each result's callback runs once its row is
// written (or spooled), so the guarantees of RunLog::finish hold unchanged: a run's row is
// finished after its SQL ended and before whoever waits on the callback learns the run is over;
// only rows still `running` (or `abandoned` by another instance meanwhile) are finished; a
// result is never dropped while the spool can be written.
//
// Under load this turns ~2 round trips per run into ~2 per batch, and no worker (nor its
// connection) waits for the run log.
//
// Error contract: nothing throws for database failure. When a batch cannot be written (after one
// retry on a fresh connection), every result of it goes to the spool and its callbacks get
// false. If the spool itself fails (disk full), each such result is counted in Spool::lost() and
// logged with its run id, job and outcome (Spool::keep), and its callback gets false.
// Thread-safe. The destructor writes what is queued, then stops the thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/run_outcome.hpp"
#include "mysql/connector.hpp"
#include "mysql/session.hpp"
#include "runlog/run_log.hpp"
#include "runlog/spool.hpp"
#include "schedule/schedule.hpp"

namespace sqlcron::runlog {

struct FinishedRun {
  std::int64_t run_id = 0;
  core::RunOutcome outcome;
  std::chrono::system_clock::time_point finished_at;
  std::string job;                             // its row in the jobs table gets the result
  std::optional<schedule::Instant> next_fire;  // for the jobs table
  // Where and when its SQL started: a batch-claimed run's row learns them here (or, for a long
  // run, earlier from the daemon), not with a statement of its own before the SQL.
  std::uint64_t connection_id = 0;
  std::chrono::system_clock::time_point started_at;
};

class RunFinisher {
 public:
  // Opens the writer's connection (lazily; again after a failure). Throws mysql::DbError.
  using Open = std::function<std::unique_ptr<mysql::Session>()>;
  // Called on the finisher's thread: true once the result is in the run log, false if it was
  // spooled (or lost with the spool). Must not block.
  using Done = std::function<void(bool written)>;
  // At most this many rows per statement; a larger batch is written in several.
  static constexpr std::size_t kMaxRows = 256;
  // How long the writer waits for more results before writing a batch of fewer than kMaxRows.
  static constexpr std::chrono::milliseconds kGather{10};
  static constexpr std::chrono::seconds kRetryUnwritten{2};
  static constexpr std::size_t kMaxUnwritten = 100000;

  // `connector`, if given, registers the writer thread with the client library.
  RunFinisher(const std::string& state_schema, Open open, Spool& spool,
              const mysql::Connector* connector = nullptr);
  ~RunFinisher();
  RunFinisher(const RunFinisher&) = delete;
  RunFinisher& operator=(const RunFinisher&) = delete;

  void finish_async(FinishedRun run, Done done);
  // Best effort, queued like a result: where and when a run still running started (a run's
  // finish writes them anyway). A failure is logged, not retried.
  void record_started(std::int64_t run_id, std::uint64_t connection_id,
                      std::chrono::system_clock::time_point started_at);
  // Queued like a result: a slot decided not to run gets a `skipped` row with `reason` (see
  // RunLog::record_skipped), written on the writer's own connection, so that nobody who records
  // a skip (the event loop, the control thread) ever waits for a pooled connection.
  void record_skipped(Claim claim, std::string reason);
  // Waits for the write: true once the result is in the run log, false if it was spooled.
  bool finish(const FinishedRun& run);

 private:
  struct Pending {
    FinishedRun run;
    Done done;
  };
  struct Started {
    std::int64_t run_id;
    std::uint64_t connection_id;
    std::chrono::system_clock::time_point at;
  };

  struct Skip {
    Claim claim;
    std::string reason;
  };

  void write_loop();
  void write_starts(const std::vector<Started>& starts);
  void write_skips(const std::vector<Skip>& skips);
  void retry_unwritten();
  bool write_or_spool(const std::vector<Pending>& batch);
  void write(mysql::Session& s, const std::vector<Pending>& batch) const;

  std::string state_schema_;
  std::string runs_;  // `schema`.runs
  std::string jobs_;  // `schema`.jobs
  Open open_;
  Spool& spool_;
  const mysql::Connector* connector_;
  std::mutex mutex_;
  std::condition_variable queued_;
  std::vector<Pending> queue_;
  std::vector<Started> starts_;
  std::vector<Skip> skips_;
  // Results the run log and the spool both refused (writer thread only), retried every
  // kRetryUnwritten and once more when stopping.
  std::vector<Pending> unwritten_;
  bool stopping_ = false;
  std::unique_ptr<mysql::Session> session_;  // the writer thread's
  std::thread writer_;                       // last: starts once the rest is set up
};

}  // namespace sqlcron::runlog
