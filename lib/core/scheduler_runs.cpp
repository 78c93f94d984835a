// Scheduler, continued: the life of a run - queued, claimed, started, finished; retries and
// their backoff, waiting for another daemon's run (the overlap lease), timeouts and kills.
#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "core/retry_policy.hpp"
#include "core/scheduler.hpp"
#include "core/scheduler_timing.hpp"

namespace sqlcron::core {

using namespace timing;  // NOLINT(google-build-using-namespace): the scheduler's own timings

void Scheduler::started(const event::Started& e) {
  const auto it = runs_.find(e.key);
  if (it == runs_.end()) return;
  auto& run = it->second;
  run.state = RunState::running;
  run.run_id = e.run_id;
  run.connection_id = e.connection_id;
  run.started_at = e.started_at;
  run.killed = false;
  run.start_unrecorded = run.order.claimed_run_id.has_value();
  if (stopping_ && grace_over_) {
    kill(run, StopReason::shutdown);
  } else if (const auto& timeout = run.order.job_config().timeout) {
    // A run claimed ahead of its slot (kLead) starts its SQL at the slot: time it from there.
    const auto wait = run.order.not_before
                          ? std::max(*run.order.not_before - now_.wall, TimePoint::duration::zero())
                          : TimePoint::duration::zero();
    act(action::ArmTimer{
        TimerId{TimerId::Kind::timeout, e.key},
        *timeout + std::chrono::duration_cast<std::chrono::steady_clock::duration>(wait)});
  }
}

Scheduler::Run* Scheduler::queued_run(const std::string& job, schedule::Instant slot) {
  for (auto& [key, run] : runs_) {
    if (run.state == RunState::queued && run.order.scheduled_for == slot &&
        run.order.job_config().name == job) {
      return &run;
    }
  }
  return nullptr;
}

void Scheduler::start_queued(Run& run) {
  if (!run.order.claimed_run_id) {
    run.release_pending = true;  // started once its claim is answered
    return;
  }
  run.state = RunState::starting;
  run.order.lease_taken.reset();
  if (paused()) {
    act(action::GiveUp{run.order, "the database became unavailable while the run was queued"});
    return;
  }
  act(action::Start{{run.order}});
}

void Scheduler::claimed(const event::Claimed& e) {
  const auto it = runs_.find(e.key);
  if (it == runs_.end() || it->second.state != RunState::queued) return;
  auto& run = it->second;
  if (e.run_id) {
    run.order.claimed_run_id = e.run_id;
    if (stopping_ || !run.give_up.empty()) {
      run.state = RunState::starting;
      act(action::GiveUp{run.order, stopping_ ? "shutdown: the daemon stopped before its turn came"
                                              : run.give_up});
    } else if (run.release_pending) {
      run.release_pending = false;
      start_queued(run);
    }
    return;
  }
  // Not claimed: another instance has the slot, or the database went away (then the misfire
  // policy decides it when the database is back).
  if (e.lost_database && db_up_) lost_database();
  if (e.lost_database) in_doubt_.push_back(run.order);
  const auto name = run.order.job_config().name;
  const auto slot = run.order.scheduled_for;
  const bool counted = run.release_pending;  // the planner counts it as running already
  runs_.erase(it);
  if (counted) {
    release(name);
  } else if (const auto i = job_index(name)) {
    plan_.planner->forget_queued(*i, slot);
  }
  maybe_stop();
}

void Scheduler::finished(const event::Finished& e) {
  const auto it = runs_.find(e.order.key);
  if (it == runs_.end()) throw std::logic_error("a run finished that was never started");
  auto& run = it->second;
  const auto& report = e.report;
  if (run.state == RunState::running) {
    act(action::CancelTimer{{TimerId::Kind::timeout, e.order.key}});
  }
  run.order = e.order;  // as the executor has it: claimed_run_id, lease_taken
  if (!report.overlapped_by.empty()) {
    wait_for_turn(run, report);
    return;
  }
  const auto& job = e.order.job_config();
  if (!report.claimed && e.lost_database && e.order.cause == RunCause::chain) {
    // Never claimed: the database went away. The step may start again (catch_up_chains).
    chained_.erase({job.name, e.order.scheduled_for});
  }
  if (e.lost_database && db_up_) lost_database();
  // Not started because the database went away. Its claim may have committed with the reply
  // lost - or its row was claimed before (with its batch, as a queued slot, or while it waited
  // for its turn) and the executor could not reach the server to finish it. Either way a row of
  // this instance may stay `running` with no run behind it (holding the job's overlap lease if
  // its batch took it), never swept while this instance lives: resolved once the database
  // answers again - abandoned, and retried if attempts remain.
  if (e.lost_database && !report.claimed) in_doubt_.push_back(e.order);
  const auto& o = report.outcome;
  const bool retryable = report.claimed && !stopping_ && retried(o, e.order.attempt, job.retry);
  if (retryable) {
    retry(run, report);
    return;
  }
  const auto order = e.order;
  runs_.erase(it);
  if (report.claimed) follow_up(order, report);
  release(order.job_config().name);
  maybe_stop();
}

void Scheduler::wait_for_turn(Run& run, const RunReport& report) {
  // Another daemon's run of the job holds its overlap lease: this run (queued, a retry or a
  // catch-up) keeps its claimed row and tries again every kTurnPoll, as a queued slot waits
  // for a local run.
  log(LogLevel::info, fmt::format("run {} of {} waits for its turn: {} is running", report.run_id,
                                  run.order.job_config().name, report.overlapped_by));
  run.state = RunState::waiting_turn;
  run.order.claimed_run_id = report.run_id;
  run.order.lease_taken.reset();
  run.order.not_before.reset();
  run.holder = report.overlapped_by;
  act(action::ArmTimer{TimerId{TimerId::Kind::turn, run.order.key}, kTurnPoll});
}

void Scheduler::retry(Run& run, const RunReport& report) {
  const auto& job = run.order.job_config();
  const int next_attempt = run.order.attempt + 1;
  const double unit = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  const auto delay = retry_delay(job.retry, next_attempt, unit);
  log(LogLevel::info,
      fmt::format("run {} of {} {} (error {}), which retry.on names; attempt {} of {} in {} ms",
                  report.run_id, job.name,
                  report.outcome.status == RunStatus::timed_out ? "timed out" : "failed",
                  report.outcome.error_code, next_attempt, job.retry.attempts, delay.count()));
  run.state = RunState::retry_backoff;
  run.previous = report;
  auto& o = run.order;
  o.scheduled_for = report.scheduled_for;  // a failure hook may have moved to a free second
  o.attempt = next_attempt;
  o.cause = RunCause::retry;
  // A root's retry belongs to the instance its first attempt opened (its run id), so the steps
  // below and status --chains see one instance, not one per attempt.
  if (o.chain_run_id == 0 && job.chain_root) o.chain_run_id = report.run_id;
  o.claimed_run_id.reset();  // a retry claims its own attempt
  o.lease_taken.reset();
  o.not_before.reset();
  act(action::ArmTimer{TimerId{TimerId::Kind::retry, o.key}, delay});
}

void Scheduler::drop_retry(std::uint64_t key) {
  // Dropped (shutdown, or no database to run against): the failed attempt is the final one now,
  // and what follows a failure follows.
  const auto it = runs_.find(key);
  auto failed = it->second.order;
  const auto previous = it->second.previous;
  runs_.erase(it);
  failed.attempt -= 1;
  follow_up(failed, previous);
  release(failed.job_config().name);
  maybe_stop();
}

void Scheduler::timer(const TimerId& t) {
  using Kind = TimerId::Kind;
  if (t.kind == Kind::wake) {
    wake();
    return;
  }
  if (t.kind == Kind::health) {
    act(action::CheckHealth{});
    return;
  }
  if (t.kind == Kind::grace) {
    if (!grace_over_) {
      grace_over();
      return;
    }
    // Their workers may wait on a server that does not answer (frozen, partitioned): they are
    // not waited for. Their rows stay `running` and are abandoned by the next instance.
    log(LogLevel::error,
        fmt::format("{} runs did not end after being killed; exiting anyway", running()));
    act(action::Exit{true});
    return;
  }
  const auto it = runs_.find(t.id);
  if (it == runs_.end()) return;
  auto& run = it->second;
  if (t.kind == Kind::timeout && run.state == RunState::running) {
    log(LogLevel::warn, fmt::format("run {} of {} exceeded its timeout; killing it", run.run_id,
                                    run.order.job_config().name));
    kill(run, StopReason::timeout);
  } else if (t.kind == Kind::retry && run.state == RunState::retry_backoff) {
    if (stopping_ || paused()) {
      drop_retry(t.id);
      return;
    }
    run.state = RunState::starting;
    act(action::Start{{run.order}});
  } else if (t.kind == Kind::turn && run.state == RunState::waiting_turn) {
    run.state = RunState::starting;
    if (!stopping_ && !paused()) {
      act(action::Start{{run.order}});
      return;
    }
    // Shutting down, or no database to take the lease in (as for a queued slot): the slot
    // never started; its row says so.
    act(action::GiveUp{run.order, "overlap: waited for its turn behind " + run.holder +
                                      (stopping_ ? "; the daemon stopped before it came"
                                                 : "; the database became unavailable meanwhile")});
  }
}

void Scheduler::kill(Run& run, StopReason why) {
  // Once: the executor sends it only while the run's SQL has not ended.
  if (run.killed) return;
  run.killed = true;
  act(action::Kill{run.order.key, run.run_id, run.connection_id, why});
}

void Scheduler::tick() {
  // A batch-claimed run's row gets its connection and start time with its finish; one still
  // running after a second gets them now, so `runs` shows operators what to KILL.
  const auto before = now_.wall - std::chrono::seconds(1);
  for (auto& [key, run] : runs_) {
    if (run.state != RunState::running || !run.start_unrecorded || run.started_at > before) {
      continue;
    }
    run.start_unrecorded = false;
    act(action::RecordStarted{run.run_id, run.connection_id, run.started_at});
  }
}

}  // namespace sqlcron::core
