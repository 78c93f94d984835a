// JobRunner: executes one run on a pooled connection - claim the slot by inserting its runs row,
// bind the arguments, run the CALL or statement, roll back whatever transaction the job left
// open (as the end of an event's session would), and finish the row. Runs on worker threads;
// const and thread-safe.
//
// Error contract: run() never throws for a job's own failure (that is the outcome). It throws
// mysql::DbError when the slot cannot be claimed (no database): then nothing ran. A result that
// cannot be recorded after the run is spooled (see runlog::Spool::keep); if the spool fails too it
// is counted and logged as lost, never dropped silently.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/run_order.hpp"
#include "exec/run_request.hpp"
#include "mysql/connection_pool.hpp"
#include "mysql/db_error.hpp"
#include "runlog/overlap_leases.hpp"
#include "runlog/run_finisher.hpp"
#include "runlog/run_log.hpp"
#include "runlog/spool.hpp"

namespace sqlcron::exec {

using RunReport = core::RunReport;

class JobRunner {
 public:
  // Called once the run is claimed, with its run id, connection id (to kill it) and the time its
  // SQL starts.
  using OnStarted = std::function<void(std::int64_t run_id, std::uint64_t connection_id,
                                       std::chrono::system_clock::time_point started_at)>;
  // A pooled connection idle for longer than this is pinged before a run uses it.
  static constexpr std::chrono::seconds kIdleCheck{1};

  JobRunner(mysql::ConnectionPool& pool, const std::string& state_schema, std::string instance,
            runlog::Spool& spool);

  // Gets the report once the run's row is finished in the run log (or spooled); on the run log
  // writer's thread, so it must not block.
  using OnDone = std::function<void(const RunReport& report)>;

  // Claims the slot (unless a batch did), runs the SQL on a pooled connection and hands the
  // result to the run log writer; returns then, with the connection back in the pool, before
  // the row is written: `on_done` follows. Throws mysql::DbError (and calls nothing) when the
  // database is unreachable before the SQL could start.
  void run_async(const RunRequest& request, const OnStarted& on_started, OnDone on_done) const;
  // The same, waiting for the report.
  RunReport run(const RunRequest& request, const OnStarted& on_started) const;
  // Claims the slots of `requests` with one insert, setting claimed_run_id on each one claimed.
  // With `take_leases`, the overlap leases of the claimed runs of one-at-a-time jobs are taken
  // too (lease_taken); a slot claimed to wait for its turn (queued) takes none.
  // Throws mysql::DbError when the database is unreachable (nothing is claimed then).
  void claim_batch(std::vector<RunRequest>& requests, bool take_leases = true) const;
  // Queues the `skipped` row of a slot that will not run, for the run-log writer's own
  // connection: never waits for a pooled connection (they may all be held by long runs), so
  // the event loop and the control thread may call it. Does not block.
  void skip(const RunRequest& request, const std::string& reason) const;
  // A claimed run (claimed_run_id) that will not start after all: its row is finished as
  // skipped with `reason`; `on_done` follows once it is written. Does not block.
  void give_up(const RunRequest& request, const std::string& reason, OnDone on_done) const;
  // Queues a write of where and when a batch-claimed run that is still running started (its
  // finish writes them otherwise), on the run-log writer's own connection: it never waits for a
  // pooled connection (a pool of one may be held by that very run). Best effort.
  void record_started(std::int64_t run_id, std::uint64_t connection_id,
                      std::chrono::system_clock::time_point started_at) const;

 private:
  // Runs the job's SQL; `killed` is set when a KILL reached it.
  core::RunOutcome execute(mysql::Session& s, const RunRequest& r, std::int64_t run_id,
                           bool& killed) const;
  // How a run that was to be killed (timeout, shutdown) is recorded.
  static void judge(core::RunOutcome& outcome, const RunControl::Verdict& verdict);
  // How many runs of the job may run at once across daemons (0: not limited).
  static int lease_limit(const RunRequest& r);
  // Another run of the job holds its leases: the slot is skipped (its row finished as such) or,
  // when it waits for its turn, reported with `overlapped_by`.
  void overlap(mysql::ConnectionPool::Lease& lease, const RunRequest& r, const runlog::Claim& claim,
               RunReport report, OnDone on_done) const;
  // Hands the run's row to the run-log writer; `on_done` gets the report once it is written (or
  // spooled). Zero connection id / start time leave the row's as they are.
  void record(const RunRequest& r, RunReport report,
              std::chrono::system_clock::time_point finished_at, std::uint64_t connection_id,
              std::chrono::system_clock::time_point started_at, OnDone on_done) const;
  // A batch-claimed run that could not start (no database): its row is finished as failed.
  void not_started(const RunRequest& r, const runlog::Claim& claim, const mysql::DbError& e,
                   OnDone on_done) const;
  // Ends the session's transaction, returns the connection and queues the row's finish.
  void finish(mysql::ConnectionPool::Lease& lease, const RunRequest& r, const runlog::Claim& claim,
              RunReport report, OnDone on_done) const;

  mysql::ConnectionPool& pool_;
  runlog::RunLog log_;
  runlog::OverlapLeases leases_;
  std::string instance_;
  mutable runlog::RunFinisher finisher_;  // batches the finishing writes of concurrent runs
};

}  // namespace sqlcron::exec
