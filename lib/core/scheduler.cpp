#include "core/scheduler.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "core/retry_policy.hpp"
#include "core/scheduler_timing.hpp"

namespace sqlcron::core {

using namespace timing;  // NOLINT(google-build-using-namespace): the scheduler's own timings

namespace {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

}  // namespace

Scheduler::Scheduler(std::shared_ptr<const config::Config> config, SchedulerOptions options,
                     Now now)
    : options_(std::move(options)),
      plan_(make_plan(std::move(config), now.wall)),
      now_(now),
      lead_(kLead),
      rng_(options_.seed),
      backoff_(options_.reconnect_min),
      last_(now) {
  for (const auto& j : plan_.config->jobs) since_.emplace(j.name, now.wall);
}

Scheduler::Plan Scheduler::make_plan(std::shared_ptr<const config::Config> config, TimePoint from) {
  Plan plan;
  plan.planner = std::make_unique<Planner>(config->jobs, from);
  plan.graph = std::make_unique<config::JobGraph>(config->jobs);
  plan.index.reserve(config->jobs.size());
  for (std::size_t i = 0; i < config->jobs.size(); ++i) plan.index.emplace(config->jobs[i].name, i);
  plan.config = std::move(config);
  return plan;
}

Scheduler::Actions Scheduler::handle(const Event& event, Now now) {
  now_ = now;
  out_.clear();
  std::visit(Overloaded{
                 [&](const event::Begin&) { begin(); },
                 [&](const event::TimerFired& e) { timer(e.timer); },
                 [&](const event::Tick&) { tick(); },
                 [&](const event::Started& e) { started(e); },
                 [&](const event::Finished& e) { finished(e); },
                 [&](const event::Claimed& e) { claimed(e); },
                 [&](const event::HealthChecked& e) { health_checked(e.health); },
                 [&](const event::LastSlots& e) { last_slots(e); },
                 [&](const event::PendingChainSlots& e) { pending_chain(e); },
                 [&](const event::UpstreamDone& e) {
                   if (const auto i = job_index(e.step); i && !stopping_) {
                     offer_chain(*i, e.slot, e.chain);
                   }
                 },
                 [&](const event::Stop& e) { stop(e.signal); },
                 [&](const event::Reload& e) { reload(e.config); },
                 [&](const event::FileArrived& e) { file_arrived(e); },
             },
             event);
  return std::move(out_);
}

std::size_t Scheduler::running() const {
  return static_cast<std::size_t>(std::count_if(runs_.begin(), runs_.end(), [](const auto& r) {
    return r.second.state == RunState::running;
  }));
}

std::string Scheduler::status() const {
  if (stopping_) return fmt::format("stopping: waiting for {} runs", running());
  if (!db_up_) return "waiting for the database";
  if (read_only_) return "paused: the server is read-only";
  return fmt::format("firing {} jobs", plan_.config->jobs.size());
}

std::optional<std::size_t> Scheduler::job_index(std::string_view name) const {
  const auto it = plan_.index.find(name);
  if (it == plan_.index.end()) return std::nullopt;
  return it->second;
}

// --- firing ----------------------------------------------------------------------------------

void Scheduler::begin() {
  act(action::NextFires{});
  act(action::SyncMirror{});
  catch_up();
  act(action::WatchDirs{});
  arm();
  check_health(std::chrono::milliseconds(0));
  act(action::CheckKillPrivilege{});
  const auto& jobs = plan_.config->jobs;
  log(LogLevel::info,
      fmt::format("ready: {} jobs ({} enabled), up to {} concurrent runs", jobs.size(),
                  std::count_if(jobs.begin(), jobs.end(), [](const auto& j) { return j.enabled; }),
                  plan_.config->scheduler.max_concurrent_runs));
  act(action::SystemdNotify{"READY=1"});
  act(action::SystemdNotify{"STATUS=" + status()});
}

void Scheduler::arm() {
  if (stopping_) return;
  const auto next = plan_.planner->next_wakeup();
  auto delay = next ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                          *next - lead_ - now_.wall)
                    : std::chrono::steady_clock::duration(kMaxSleep);
  // Wait on the monotonic clock for the distance the wall clock says is left; wake at least
  // every kMaxSleep to notice a wall-clock change.
  delay = std::min<std::chrono::steady_clock::duration>(delay, kMaxSleep);
  act(action::ArmTimer{TimerId{TimerId::Kind::wake, 0}, delay});
}

void Scheduler::wake() {
  if (stopping_) return;
  detect_clock_jump();
  horizon_ = std::max(horizon_, now_.wall + lead_);
  const auto decisions = plan_.planner->due(horizon_);
  lead_ = std::min<std::chrono::microseconds>(
      kMaxLead, kLead + kLeadPerSlot * static_cast<int>(decisions.size()));
  dispatch(decisions);
  action::NextFires fires;
  for (const auto& d : decisions) fires.jobs.push_back(d.slot.job);
  act(std::move(fires));
  arm();
}

void Scheduler::detect_clock_jump() {
  const auto drift = (now_.wall - last_.wall) - (now_.steady - last_.steady);
  last_ = now_;
  if (drift < -kClockJump) {
    // Backward: recompute from the new time. Slots already run are not run again: their runs
    // rows exist, so their claims fail.
    log(LogLevel::warn,
        fmt::format("the wall clock went back by {:.1f} s; rescheduling from the new time",
                    -seconds_of(drift)));
    plan_.planner->rebase(now_.wall);
    // The horizon went back with the clock: kept, it would make every slot up to the old time
    // due at once - started early, or dropped unrecorded while the database is away.
    horizon_ = now_.wall;
  } else if (drift > kClockJump) {
    // Forward: the slots jumped over are late now; the planner applies the misfire policy.
    log(LogLevel::warn,
        fmt::format("the wall clock jumped forward by {:.1f} s; missed slots follow the misfire "
                    "policy",
                    seconds_of(drift)));
  }
}

RunOrder Scheduler::order_of(const Slot& slot) {
  RunOrder order;
  order.config = plan_.config;
  order.job = slot.job;
  order.scheduled_for = slot.scheduled_for;
  order.cause = slot.cause;
  order.attempt = slot.attempt;
  order.next_fire = plan_.planner->next_fire(slot.job);
  order.chain_run_id = slot.chain_run_id;
  order.failure = slot.failure;
  if (slot.scheduled_for > now_.wall) order.not_before = slot.scheduled_for;
  return order;
}

void Scheduler::dispatch(const std::vector<Decision>& decisions) {
  action::Start start;
  for (const auto& d : decisions) {
    const auto& job = plan_.config->jobs[d.slot.job];
    if (d.action == Decision::Action::queued) {
      log(LogLevel::info, fmt::format("job {} slot {} is queued behind the running run", job.name,
                                      when(d.slot.scheduled_for)));
      // Its row is claimed now: the slot is recorded whatever becomes of this daemon (a crash
      // leaves it `running`, to be abandoned and retried like any run of a dead instance).
      Run run;
      run.state = RunState::queued;
      run.order = order_of(d.slot);
      run.order.not_before.reset();
      run.order.key = next_key_++;
      act(action::Claim{run.order});
      runs_.emplace(run.order.key, std::move(run));
      continue;
    }
    if (paused()) {
      // Not fired: decided later from the run log by the misfire policy.
      if (d.action == Decision::Action::start) release(job.name);
      continue;
    }
    auto order = order_of(d.slot);
    if (d.action == Decision::Action::skip) {
      if (!plan_.graph->downstream(d.slot.job).empty()) {
        skip_downstream(d.slot.job, d.slot.scheduled_for, d.slot.chain_run_id,
                        "upstream " + job.name + " was skipped (" + d.reason + ")");
      }
      act(action::RecordSkip{std::move(order), d.reason});
      continue;
    }
    order.key = next_key_++;
    Run run;
    run.order = order;
    runs_.emplace(order.key, std::move(run));
    start.runs.push_back(std::move(order));
  }
  if (!start.runs.empty()) act(std::move(start));
}

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
      fmt::format("run {} of {} failed with transient error {}; attempt {} of {} in {} ms",
                  report.run_id, job.name, report.outcome.error_code, next_attempt,
                  job.retry.attempts, delay.count()));
  run.state = RunState::retry_backoff;
  run.previous = report;
  auto& o = run.order;
  o.scheduled_for = report.scheduled_for;  // a failure hook may have moved to a free second
  o.attempt = next_attempt;
  o.cause = RunCause::retry;
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
    if (!stopping_) {
      act(action::Start{{run.order}});
      return;
    }
    // Shutting down: the slot never started; its row says so.
    act(action::GiveUp{run.order, "overlap: waited for its turn behind " + run.holder +
                                      "; the daemon stopped before it came"});
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

void Scheduler::release(const std::string& job) {
  const auto i = job_index(job);
  if (!i) return;  // removed by a reload meanwhile
  auto next = plan_.planner->run_finished(*i);
  if (!next || stopping_) return;
  if (auto* run = queued_run(job, next->slot.scheduled_for)) {
    start_queued(*run);
  } else {
    dispatch({*next});
  }
}

}  // namespace sqlcron::core
