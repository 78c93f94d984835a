#include "exec/job_runner.hpp"

#include <date/date.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <thread>

#include "exec/csv_loader.hpp"
#include "mysql/db_error.hpp"
#include "mysql/error_class.hpp"
#include "schedule/time_format.hpp"
#include "util/crash_point.hpp"

namespace sqlcron::exec {

namespace {

using Clock = std::chrono::system_clock;

// Runs `fn` on the lease's session. If that connection died with the server (a restart), every
// pooled connection did: they are dropped and `fn` runs once more on a fresh one. If that fails
// too, the database really is unreachable and the error propagates.
template <typename Fn>
void on_live_connection(mysql::ConnectionPool& pool, mysql::ConnectionPool::Lease& lease, Fn&& fn) {
  try {
    fn(*lease);
    return;
  } catch (const mysql::DbError& e) {
    if (!mysql::is_connection_lost(e.code())) throw;
  }
  lease.discard();
  lease.release();  // before acquiring: the pool may hold no other session
  pool.discard_idle();
  lease = pool.acquire();
  try {
    fn(*lease);
  } catch (const mysql::DbError& e) {
    if (mysql::is_connection_lost(e.code())) lease.discard();  // never back into the pool
    throw;
  }
}

}  // namespace

JobRunner::JobRunner(mysql::ConnectionPool& pool, const std::string& state_schema,
                     std::string instance, runlog::Spool& spool)
    : pool_(pool),
      log_(state_schema),
      leases_(state_schema),
      instance_(std::move(instance)),
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
  runlog::Claim claim{job.name,   r.scheduled_for, r.attempt,
                      r.cause,    instance_,       lease->connection_id(),
                      started_at, r.chain_run_id,  job.chain_root};
  std::optional<std::int64_t> run_id;
  bool overlapped = false;  // another run of the job holds its leases (another daemon's)
  // Claim the slot. A slot a batch claimed needs no statement before its SQL: its start goes
  // with the finish. But a connection idle for long may have died unnoticed (a server restart):
  // checked first, so the run moves to a fresh one instead of failing.
  const auto begin = [&](mysql::Session& session) {
    if (r.claimed_run_id) {
      if (lease.idle_before() > kIdleCheck && !session.ping()) {
        throw mysql::DbError(mysql::code::kServerGone, "HY000", "the pooled connection is gone");
      }
      run_id = r.claimed_run_id;
    } else {
      run_id = log_.claim(session, claim);
      // A failure hook's slot is the second it was fired in; another failure may have fired
      // the same hook in that second: it takes the next free second instead of being lost.
      for (int i = 0; !run_id && r.cause == core::RunCause::failure_hook && i < 60; ++i) {
        claim.scheduled_for += std::chrono::seconds(1);
        run_id = log_.claim(session, claim);
      }
    }
    // The overlap rule across daemons: the run starts only holding one of its job's leases
    // (taken with its batch's claim, or now).
    const int limit = lease_limit(r);
    if (run_id && limit > 0) {
      overlapped =
          r.lease_taken ? !*r.lease_taken : !leases_.take(session, job.name, *run_id, limit);
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
                 schedule::format_utc(r.scheduled_for));
    on_done(report);
    return;
  }
  report.claimed = true;
  report.run_id = *run_id;
  report.scheduled_for = claim.scheduled_for;
  if (overlapped) {
    overlap(lease, r, claim, std::move(report), std::move(on_done));
    return;
  }
  if (on_started) on_started(*run_id, lease->connection_id(), claim.started_at);
  spdlog::info("run {} started: job {} slot {} attempt {} ({}) on connection {}", *run_id, job.name,
               schedule::format_utc(r.scheduled_for), r.attempt, core::to_string(r.cause),
               lease->connection_id());

  util::crash_point("claimed");
  if (r.not_before) std::this_thread::sleep_until(*r.not_before);
  bool killed = false;
  report.outcome = execute(*lease, r, *run_id, killed);
  if (killed ||
      (report.outcome.error_code != 0 && mysql::is_connection_lost(report.outcome.error_code))) {
    lease.discard();  // a killed or broken connection is never handed to another run
  } else if (r.config->scheduler.session_reset) {
    // The next run gets a clean session: no user variables, session settings or temporary
    // tables of this one (Connector/C++ 1.1 has no connection reset: a new connection).
    lease.recycle();
  }

  const auto& o = report.outcome;
  const double ms = static_cast<double>(o.duration.count()) / 1000.0;
  if (o.status == core::RunStatus::succeeded) {
    spdlog::info("run {} succeeded: job {} in {:.3f} ms, {} rows", *run_id, job.name, ms,
                 o.rows_affected);
  } else {
    spdlog::warn("run {} {}: job {} after {:.3f} ms: {}", *run_id, core::to_string(o.status),
                 job.name, ms, core::failure_text(o));
  }
  finish(lease, r, claim, std::move(report), std::move(on_done));
}

core::RunOutcome JobRunner::execute(mysql::Session& s, const RunRequest& r, std::int64_t run_id,
                                    bool& killed) const {
  const auto& job = r.job_config();
  core::RunOutcome outcome;
  const auto started = std::chrono::steady_clock::now();
  std::string refused;  // files a load refused: the run fails
  try {
    config::RunContext ctx{job.name,     r.scheduled_for, run_id,        r.attempt,
                           std::nullopt, r.failure.get(), r.chain_run_id};
    if (job.uses_last_success()) ctx.last_success = log_.last_success(s, job.name);
    std::vector<mysql::Value> args;
    args.reserve(job.args.size());
    for (const auto& a : job.args) args.push_back(a.render(ctx));
    if (job.load_csv) {
      CsvLoader loader(s, job, r.config->database.schema, r.config->scheduler.state_schema);
      const auto loaded = loader.load(run_id, r.scheduled_for);
      outcome.rows_affected = loaded.rows;
      outcome.no_new_data = loaded.files == 0;
      outcome.files_settling = loaded.files_settling > 0;
      spdlog::info(
          "run {}: {} new files, {} rows loaded, {} lines rejected, {} files loaded before, {} "
          "refused, {} still changing",
          run_id, loaded.files, loaded.rows, loaded.rejected, loaded.files_seen,
          loaded.files_refused + loaded.files_refused_before, loaded.files_unsettled);
      if (loaded.files_refused > 0) {
        // The other files stay loaded; the failure says which were refused and why.
        refused = std::to_string(loaded.files_refused) + " file(s) refused: " + loaded.refusals;
      }
    } else if (job.is_call()) {
      const auto& schema = job.call_schema.empty() ? r.config->database.schema : job.call_schema;
      outcome.rows_affected = s.call(schema, job.call_procedure, args);
    } else if (args.empty()) {
      outcome.rows_affected = s.execute_raw(job.sql);
    } else {
      outcome.rows_affected = s.execute(job.sql, args);
    }
    outcome.status = core::RunStatus::succeeded;
    if (!refused.empty()) {
      outcome.status = core::RunStatus::failed;
      outcome.error_message = refused;
    }
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
  // From here on nothing kills this connection (a KILL being sent is waited for).
  const auto verdict = r.control->end();
  judge(outcome, verdict);
  if (verdict.killed) killed = true;
  return outcome;
}

void JobRunner::judge(core::RunOutcome& outcome, const RunControl::Verdict& verdict) {
  using Reason = RunControl::Reason;
  if (verdict.reason == Reason::none) return;
  if (!verdict.killed) {
    // The KILL was refused (or never reached the server): the run went on, and its row says
    // what really happened - a success stays a success - with why it was not stopped.
    if (verdict.refused.empty()) return;
    const auto what = verdict.reason == Reason::timeout ? "timeout exceeded" : "shutdown";
    const auto note = std::string(what) + " but the run could not be stopped: " + verdict.refused;
    outcome.error_message =
        outcome.error_message.empty() ? note : outcome.error_message + "; " + note;
    return;
  }
  if (verdict.reason == Reason::timeout) {
    // Its connection was killed: a run that still succeeded had completed (and committed) when
    // the KILL arrived, and is recorded as such; any other is timed_out.
    if (outcome.status == core::RunStatus::succeeded) {
      outcome.error_message = "timeout exceeded, but the run had completed when it was killed";
    } else {
      outcome.status = core::RunStatus::timed_out;
      outcome.error_message = "killed: timeout exceeded (" +
                              (outcome.error_message.empty() ? "no error" : outcome.error_message) +
                              ")";
    }
  } else if (outcome.status == core::RunStatus::failed) {
    outcome.status = core::RunStatus::cancelled;
  }
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
  lease.release();  // free for the next run while the row is written
  // The row is finished together with those of runs ending at the same time (one statement).
  record(r, std::move(report), finished_at, claim.connection_id, claim.started_at,
         std::move(on_done));
}

void JobRunner::record(const RunRequest& r, RunReport report, Clock::time_point finished_at,
                       std::uint64_t connection_id, Clock::time_point started_at,
                       OnDone on_done) const {
  runlog::FinishedRun finished{report.run_id, report.outcome, finished_at, r.job_config().name,
                               r.next_fire,   connection_id,  started_at};
  finisher_.finish_async(std::move(finished), [report = std::move(report),
                                               on_done = std::move(on_done)](bool written) mutable {
    report.spooled = !written;
    on_done(report);
  });
}

int JobRunner::lease_limit(const RunRequest& r) {
  // A failure hook always runs (an alert is never skipped for overlap). A manual run (run-now,
  // backfill, rerun) takes a lease like any run - it never runs beside another run of its job -
  // and waits for its turn (overlap()).
  if (r.cause == core::RunCause::failure_hook) return 0;
  const auto& job = r.job_config();
  return job.overlap == config::Overlap::allow ? job.max_instances : 1;
}

void JobRunner::overlap(mysql::ConnectionPool::Lease& lease, const RunRequest& r,
                        const runlog::Claim& claim, RunReport report, OnDone on_done) const {
  std::string holders;
  try {
    holders = leases_.holders(*lease, r.job_config().name);
  } catch (const mysql::DbError& e) {
    holders = "(unknown: " + std::string(e.what()) + ")";
  }
  lease.release();
  const auto& job = r.job_config();
  r.control->end();
  // A queued slot, a retry, a catch-up or an operator's manual run waits for its turn: its row
  // stays claimed and the daemon (or ManualRunner) offers it again shortly.
  if (job.overlap == config::Overlap::queue || r.cause == core::RunCause::retry ||
      r.cause == core::RunCause::catchup || r.cause == core::RunCause::manual) {
    report.overlapped_by = holders.empty() ? "a run that just ended" : holders;
    on_done(report);
    return;
  }
  report.outcome.status = core::RunStatus::skipped;
  report.outcome.error_message =
      job.overlap == config::Overlap::allow
          ? "overlap: " + std::to_string(job.max_instances) + " runs of " + job.name +
                " are running (max_instances): " + holders
          : "overlap: the previous run of " + job.name + " is still running: " + holders;
  spdlog::info("run {} of {} skipped: {}", report.run_id, job.name, report.outcome.error_message);
  record(r, std::move(report), Clock::now(), 0, claim.started_at, std::move(on_done));
}

void JobRunner::give_up(const RunRequest& r, const std::string& reason, OnDone on_done) const {
  RunReport report;
  report.claimed = true;
  report.run_id = r.claimed_run_id.value_or(0);
  report.scheduled_for = r.scheduled_for;
  report.outcome.status = core::RunStatus::skipped;
  report.outcome.error_message = reason;
  record(r, std::move(report), Clock::now(), 0, {}, std::move(on_done));
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
  r.control->end();
  record(r, std::move(report), Clock::now(), 0, claim.started_at, std::move(on_done));
}

void JobRunner::claim_batch(std::vector<RunRequest>& requests, bool take_leases) const {
  std::vector<runlog::Claim> claims;
  claims.reserve(requests.size());
  const auto now = Clock::now();
  for (const auto& r : requests) {
    claims.push_back(runlog::Claim{r.job_config().name, r.scheduled_for, r.attempt, r.cause,
                                   instance_, 0, now, r.chain_run_id, r.job_config().chain_root});
  }
  auto lease = pool_.acquire();
  std::vector<std::optional<std::int64_t>> ids;
  on_live_connection(pool_, lease,
                     [&](mysql::Session& session) { ids = log_.claim_batch(session, claims); });
  for (std::size_t i = 0; i < requests.size(); ++i) requests[i].claimed_run_id = ids[i];
  // The leases of the claimed runs of jobs that run one at a time, with one more statement.
  std::vector<std::pair<std::string, std::int64_t>> single;
  std::vector<std::size_t> which;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (ids[i] && lease_limit(requests[i]) == 1) {
      single.emplace_back(requests[i].job_config().name, *ids[i]);
      which.push_back(i);
    }
  }
  if (single.empty() || !take_leases) return;
  try {
    const auto held = leases_.take_many(*lease, single);
    for (std::size_t k = 0; k < which.size(); ++k) requests[which[k]].lease_taken = held[k];
  } catch (const mysql::DbError& e) {
    // Each run takes its own lease when it starts.
    spdlog::warn("cannot take the overlap leases of {} runs together: {}", single.size(), e.what());
  }
}

void JobRunner::record_started(std::int64_t run_id, std::uint64_t connection_id,
                               std::chrono::system_clock::time_point started_at) const {
  finisher_.record_started(run_id, connection_id, started_at);
}

void JobRunner::skip(const RunRequest& r, const std::string& reason) const {
  finisher_.record_skipped(runlog::Claim{r.job_config().name, r.scheduled_for, r.attempt, r.cause,
                                         instance_, 0, Clock::now(), r.chain_run_id},
                           reason);
}

}  // namespace sqlcron::exec
