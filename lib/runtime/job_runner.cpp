#include "runtime/job_runner.hpp"

#include <date/date.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <thread>

#include "mysql/db_error.hpp"
#include "runtime/csv_loader.hpp"

namespace sqlcron::runtime {

namespace {

using Clock = std::chrono::system_clock;

// Errors after which the connection is in an unknown state and must not be reused.
bool connection_lost(int code) {
  return code == 2006 || code == 2013 || code == 2055 || code == 1927 || code == 1053;
}

std::string when(schedule::Instant t) { return date::format("%FT%TZ", t); }

// Runs `fn` on the lease's session. If that connection died with the server (a restart), every
// pooled connection did: they are dropped and `fn` runs once more on a fresh one. If that fails
// too, the database really is unreachable and the error propagates.
template <typename Fn>
void on_live_connection(mysql::ConnectionPool& pool, mysql::ConnectionPool::Lease& lease, Fn&& fn) {
  try {
    fn(*lease);
    return;
  } catch (const mysql::DbError& e) {
    if (!connection_lost(e.code())) throw;
  }
  lease.discard();
  lease.release();  // before acquiring: the pool may hold no other session
  pool.discard_idle();
  lease = pool.acquire();
  fn(*lease);
}

}  // namespace

JobRunner::JobRunner(mysql::ConnectionPool& pool, std::string state_schema, std::string instance,
                     runlog::Spool& spool)
    : pool_(pool),
      log_(state_schema),
      instance_(std::move(instance)),
      spool_(spool),
      finisher_(
          state_schema, [&pool] { return pool.open_dedicated(); }, spool, &pool.connector()) {}

RunReport JobRunner::run(const RunRequest& r, const OnStarted& on_started) const {
  std::promise<RunReport> done;
  auto report = done.get_future();
  run_async(r, on_started, [&done](const RunReport& rep) { done.set_value(rep); });
  return report.get();
}

void JobRunner::run_async(const RunRequest& r, const OnStarted& on_started, OnDone on_done) const {
  const auto& job = r.job_config();
  auto lease = pool_.acquire();
  // A slot claimed ahead of its instant starts (and is recorded as started) at that instant.
  const auto started_at = r.not_before ? std::max(Clock::now(), *r.not_before) : Clock::now();
  runlog::Claim claim{job.name,  r.scheduled_for,        r.attempt,  r.cause,
                      instance_, lease->connection_id(), started_at, r.chain_run_id};
  std::optional<std::int64_t> run_id;
  // Claim the slot. A slot a batch claimed needs no statement before its SQL: its start goes
  // with the finish. But a connection idle for long may have died unnoticed (a server restart):
  // checked first, so the run moves to a fresh one instead of failing.
  const auto begin = [&](mysql::Session& session) {
    if (r.claimed_run_id) {
      if (lease.idle_before() > kIdleCheck && !session.ping()) {
        throw mysql::DbError(2006, "HY000", "the pooled connection is gone");
      }
      run_id = r.claimed_run_id;
      return;
    }
    run_id = log_.claim(session, claim);
    // A failure hook's slot is the second it was fired in; another failure may have fired the
    // same hook in that second: it takes the next free second instead of being lost.
    for (int i = 0; !run_id && r.cause == core::RunCause::failure_hook && i < 60; ++i) {
      claim.scheduled_for += std::chrono::seconds(1);
      run_id = log_.claim(session, claim);
    }
  };
  try {
    on_live_connection(pool_, lease, [&](mysql::Session& session) {
      claim.connection_id = session.connection_id();
      begin(session);
    });
  } catch (const mysql::DbError& e) {
    if (!r.claimed_run_id) throw;  // nothing claimed, nothing to record
    // Its row exists (a batch claimed it): finished as failed, never left `running`.
    not_started(r, claim, e, std::move(on_done));
    return;
  }
  RunReport report;
  if (!run_id) {
    spdlog::info("run {} slot {} is already claimed by another instance; not running it", job.name,
                 when(r.scheduled_for));
    on_done(report);
    return;
  }
  report.claimed = true;
  report.run_id = *run_id;
  report.scheduled_for = claim.scheduled_for;
  if (on_started) on_started(*run_id, lease->connection_id(), claim.started_at);
  spdlog::info("run {} started: job {} slot {} attempt {} ({}) on connection {}", *run_id, job.name,
               when(r.scheduled_for), r.attempt, core::to_string(r.cause), lease->connection_id());

  if (r.not_before) std::this_thread::sleep_until(*r.not_before);
  report.outcome = execute(*lease, r, *run_id);
  if (report.outcome.error_code != 0 && connection_lost(report.outcome.error_code)) {
    lease.discard();
  }

  const auto& o = report.outcome;
  const double ms = static_cast<double>(o.duration.count()) / 1000.0;
  if (o.status == core::RunStatus::succeeded) {
    spdlog::info("run {} succeeded: job {} in {:.3f} ms, {} rows", *run_id, job.name, ms,
                 o.rows_affected);
  } else {
    spdlog::warn("run {} {}: job {} after {:.3f} ms: error {} ({}): {}", *run_id,
                 core::to_string(o.status), job.name, ms, o.error_code, o.sql_state,
                 o.error_message);
  }
  finish(lease, r, claim, std::move(report), std::move(on_done));
}

core::RunOutcome JobRunner::execute(mysql::Session& s, const RunRequest& r,
                                    std::int64_t run_id) const {
  const auto& job = r.job_config();
  core::RunOutcome outcome;
  const auto started = std::chrono::steady_clock::now();
  try {
    config::RunContext ctx{job.name,  r.scheduled_for, run_id,
                           r.attempt, std::nullopt,    r.failure.get()};
    if (job.uses_last_success()) ctx.last_success = log_.last_success(s, job.name);
    std::vector<mysql::Value> args;
    args.reserve(job.args.size());
    for (const auto& a : job.args) args.push_back(a.render(ctx));
    if (job.load_csv) {
      CsvLoader loader(s, job, r.config->database.schema, r.config->scheduler.state_schema);
      const auto loaded = loader.load(run_id, r.scheduled_for);
      outcome.rows_affected = loaded.rows;
      spdlog::info(
          "run {}: {} new files, {} rows loaded, {} lines rejected, {} files loaded before", run_id,
          loaded.files, loaded.rows, loaded.rejected, loaded.files_seen);
    } else if (job.is_call()) {
      const auto& schema = job.call_schema.empty() ? r.config->database.schema : job.call_schema;
      outcome.rows_affected = s.call(schema, job.call_procedure, args);
    } else if (args.empty()) {
      outcome.rows_affected = s.execute_raw(job.sql);
    } else {
      outcome.rows_affected = s.execute(job.sql, args);
    }
    outcome.status = core::RunStatus::succeeded;
  } catch (const mysql::DbError& e) {
    outcome.status = core::RunStatus::failed;
    outcome.error_code = e.code();
    outcome.sql_state = e.sql_state();
    outcome.error_message = e.what();
  } catch (const std::exception& e) {  // a CSV file that cannot be read, or memory
    outcome.status = core::RunStatus::failed;
    outcome.error_message = e.what();
  }
  outcome.duration = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started);
  switch (static_cast<Interruption>(r.interruption->load())) {
    case Interruption::timeout:
      // Killed for its timeout: timed_out even if the statement then "succeeded" (a killed
      // SLEEP() just returns early).
      outcome.status = core::RunStatus::timed_out;
      if (outcome.error_message.empty()) outcome.error_message = "killed: timeout exceeded";
      break;
    case Interruption::shutdown:
      if (outcome.status == core::RunStatus::failed) outcome.status = core::RunStatus::cancelled;
      break;
    case Interruption::none:
      break;
  }
  return outcome;
}

void JobRunner::finish(mysql::ConnectionPool::Lease& lease, const RunRequest& r,
                       const runlog::Claim& claim, RunReport report, OnDone on_done) const {
  const auto finished_at = Clock::now();
  try {
    // Whatever the job left uncommitted is discarded, as when an event's session ends.
    lease->execute_raw("ROLLBACK");
  } catch (const mysql::DbError& e) {
    // Closing the connection discards the transaction as well.
    spdlog::warn("run {}: ROLLBACK on connection {} failed ({}); closing it", report.run_id,
                 lease->connection_id(), e.what());
    lease.discard();
  }
  r.sql_ended->store(true);  // before the connection can serve another run (Daemon::kill)
  lease.release();           // free for the next run while the row is written
  // The row is finished together with those of runs ending at the same time (one statement).
  runlog::FinishedRun finished{report.run_id,       report.outcome, finished_at,
                               r.job_config().name, r.next_fire,    claim.connection_id,
                               claim.started_at};
  finisher_.finish_async(std::move(finished), [report = std::move(report),
                                               on_done = std::move(on_done)](bool written) mutable {
    report.spooled = !written;
    on_done(report);
  });
}

void JobRunner::not_started(const RunRequest& r, const runlog::Claim& claim,
                            const mysql::DbError& e, OnDone on_done) const {
  RunReport report;
  report.claimed = true;
  report.run_id = *r.claimed_run_id;
  report.scheduled_for = r.scheduled_for;
  report.outcome.status = core::RunStatus::failed;
  report.outcome.error_code = e.code();
  report.outcome.sql_state = e.sql_state();
  report.outcome.error_message = std::string("not started: ") + e.what();
  spdlog::error("run {} of {}: not started, the database is unreachable: error {}: {}",
                report.run_id, r.job_config().name, e.code(), e.what());
  r.sql_ended->store(true);
  finisher_.finish_async(
      runlog::FinishedRun{report.run_id, report.outcome, Clock::now(), r.job_config().name,
                          r.next_fire, 0, claim.started_at},
      [report = std::move(report), on_done = std::move(on_done)](bool written) mutable {
        report.spooled = !written;
        on_done(report);
      });
}

void JobRunner::claim_batch(std::vector<RunRequest>& requests) const {
  std::vector<runlog::Claim> claims;
  claims.reserve(requests.size());
  const auto now = Clock::now();
  for (const auto& r : requests) {
    claims.push_back(runlog::Claim{r.job_config().name, r.scheduled_for, r.attempt, r.cause,
                                   instance_, 0, now, r.chain_run_id});
  }
  auto lease = pool_.acquire();
  std::vector<std::optional<std::int64_t>> ids;
  on_live_connection(pool_, lease,
                     [&](mysql::Session& session) { ids = log_.claim_batch(session, claims); });
  for (std::size_t i = 0; i < requests.size(); ++i) requests[i].claimed_run_id = ids[i];
}

void JobRunner::record_started(std::int64_t run_id, std::uint64_t connection_id,
                               std::chrono::system_clock::time_point started_at) const {
  finisher_.record_started(run_id, connection_id, started_at);
}

void JobRunner::skip(const RunRequest& r, const std::string& reason) const {
  auto lease = pool_.acquire();
  runlog::Claim claim{r.job_config().name, r.scheduled_for, r.attempt, r.cause, instance_, 0,
                      Clock::now(),        r.chain_run_id};
  log_.record_skipped(*lease, claim, reason);
  spdlog::info("skipped job {} slot {}: {}", claim.job, when(r.scheduled_for), reason);
}

}  // namespace sqlcron::runtime
