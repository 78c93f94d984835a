#include "core/scheduler.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/chain_readiness.hpp"
#include "core/scheduler_timing.hpp"
#include "util/overloaded.hpp"

namespace sqlcron::core {

using namespace timing;  // NOLINT(google-build-using-namespace): the scheduler's own timings

Scheduler::Scheduler(std::shared_ptr<const config::Config> config, SchedulerOptions options,
                     Now now)
    : options_(std::move(options)),
      plan_(make_plan(std::move(config), now.wall)),
      now_(now),
      lead_(kLead),
      rng_(options_.seed),
      backoff_(options_.reconnect_min),
      last_(now) {}

Scheduler::Plan Scheduler::make_plan(std::shared_ptr<const config::Config> config, TimePoint from) {
  Plan plan;
  plan.planner = std::make_unique<Planner>(config->jobs, from);
  plan.graph = std::make_unique<config::JobGraph>(config->jobs);
  plan.index.reserve(config->jobs.size());
  for (std::size_t i = 0; i < config->jobs.size(); ++i) plan.index.emplace(config->jobs[i].name, i);
  plan.since.assign(config->jobs.size(), from);
  plan.config = std::move(config);
  return plan;
}

Scheduler::Actions Scheduler::handle(const Event& event, Now now) {
  now_ = now;
  out_.clear();
  std::visit(util::Overloaded{
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
                 [&](const event::Resolved& e) { retry_abandoned(e.abandoned); },
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
  const auto since_last = now_.steady - last_.steady;
  last_ = now_;
  if (drift < -kClockJump) {
    // Backward: recompute from the new time. Slots already run are not run again: their runs
    // rows exist, so their claims fail.
    log(LogLevel::warn,
        fmt::format("the wall clock went back by {:.1f} s; rescheduling from the new time",
                    -seconds_of(drift)));
    // From where the clock may have landed: the jump came at any point since the previous
    // wake-up (up to kMaxSleep ago), and a slot the new clock has passed since then may never
    // have been fired - the old clock passed it while the database was away. Its claim fails if
    // it did run; late, it follows the misfire policy.
    const auto landed = now_.wall - std::chrono::duration_cast<TimePoint::duration>(since_last);
    plan_.planner->rebase(landed);
    // The horizon went back with the clock: kept, it would make every slot up to the old time
    // due at once - started early, or dropped unrecorded while the database is away.
    horizon_ = landed;
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
    if (paused()) {
      // Not fired: decided later from the run log by the misfire policy. A queued slot claims
      // no row either: a row past the slots missed meanwhile would hide them from the catch-up
      // (it starts after the latest recorded slot).
      if (d.action == Decision::Action::start) release(job.name);
      if (d.action == Decision::Action::queued) {
        plan_.planner->forget_queued(d.slot.job, d.slot.scheduled_for);
      }
      continue;
    }
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
    auto order = order_of(d.slot);
    if (d.action == Decision::Action::skip) {
      if (!plan_.graph->downstream(d.slot.job).empty()) {
        skip_downstream(d.slot.job, d.slot.scheduled_for, d.slot.chain_run_id,
                        upstream_skipped(job.name, d.reason));
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
