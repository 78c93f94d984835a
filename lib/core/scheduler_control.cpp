// Scheduler, continued: the database (health, outages, read-only, catch-up), shutdown and reload.
#include <fmt/format.h>

#include <algorithm>
#include <unordered_set>

#include "config/restart_only.hpp"
#include "core/misfire_policy.hpp"
#include "core/scheduler.hpp"
#include "core/scheduler_timing.hpp"

namespace sqlcron::core {

using namespace timing;  // NOLINT(google-build-using-namespace): the scheduler's own timings

void Scheduler::check_health(std::chrono::milliseconds after) {
  act(action::ArmTimer{TimerId{TimerId::Kind::health, 0}, after});
}

void Scheduler::lost_database() {
  db_up_ = false;
  down_since_ = now_.steady;
  backoff_ = options_.reconnect_min;
  log(LogLevel::error,
      fmt::format(
          "lost the database; not firing until it is back (checking every {} ms, "
          "backing off to {} s)",
          options_.reconnect_min.count(),
          std::chrono::duration_cast<std::chrono::seconds>(options_.reconnect_max).count()));
  act(action::SystemdNotify{"STATUS=" + status()});
  check_health(backoff_);
}

void Scheduler::health_checked(const HealthReport& h) {
  if (stopping_) {
    // The checks go on while runs drain: they are the heartbeat, and an instance silent for a
    // minute is taken for dead - its runs abandoned and retried elsewhere while they still run.
    check_health(h.up ? options_.health_every : options_.reconnect_min);
    return;
  }
  if (!h.up) {
    if (db_up_) {
      db_up_ = false;
      down_since_ = now_.steady;
      backoff_ = options_.reconnect_min;
      log(LogLevel::error,
          fmt::format("the database is unreachable: {}; not firing until it is back", h.error));
      act(action::SystemdNotify{"STATUS=" + status()});
    } else {
      backoff_ = std::min(backoff_ * 2, options_.reconnect_max);
      log(LogLevel::warn, fmt::format("the database is still unreachable ({}); next try in {} ms",
                                      h.error, backoff_.count()));
    }
    check_health(backoff_);
    return;
  }
  bool resumed = false;
  if (!db_up_) {
    db_up_ = true;
    resumed = true;
    log(LogLevel::info, fmt::format("the database is reachable again after {:.1f} s",
                                    seconds_of(now_.steady - down_since_)));
    act(action::SystemdNotify{"STATUS=" + status()});
  }
  if (h.read_only != read_only_) {
    read_only_ = h.read_only;
    resumed = resumed || !read_only_;
    log(read_only_ ? LogLevel::warn : LogLevel::info,
        read_only_ ? "the server is read-only (a replica?): nothing fires until it is writable"
                   : "the server is writable again: firing resumes");
    act(action::SystemdNotify{"STATUS=" + status()});
  }
  if (!read_only_ && !in_doubt_.empty()) {
    // The row of a slot this daemon ordered twice (queued again after a clock jump, say) may be
    // held by a live run of it - claimed before the claim that lost its reply: that row is the
    // live run's, not abandoned under it (it would free the lease while the run goes on).
    std::erase_if(in_doubt_, [&](const RunOrder& o) {
      return std::any_of(runs_.begin(), runs_.end(), [&](const auto& r) {
        const auto& held = r.second.order;
        return held.claimed_run_id && held.scheduled_for == o.scheduled_for &&
               held.attempt == o.attempt && held.job_config().name == o.job_config().name;
      });
    });
    if (!in_doubt_.empty()) act(action::ResolveInDoubt{std::move(in_doubt_)});
    in_doubt_.clear();
  }
  if (h.replayed > 0) {
    log(LogLevel::info, fmt::format("wrote {} spooled run results to the run log", h.replayed));
  }
  if (h.purged > 0) {
    log(LogLevel::info, fmt::format("deleted {} runs older than run_log_retention", h.purged));
  }
  if (!h.abandoned.empty()) {
    log(LogLevel::warn,
        fmt::format("marked {} runs of stopped instances as abandoned", h.abandoned.size()));
    retry_abandoned(h.abandoned);
  }
  if (resumed && !paused()) {
    catch_up();
    fire_pending_hooks();
    act(action::Rescan{});
  }
  // Checked every health_every (a frozen server shows in /healthz within seconds); the
  // heartbeat, the sweep of dead instances and the purge keep their own pace (DatabaseWatch).
  check_health(std::min(options_.heartbeat_interval, options_.health_every));
}

void Scheduler::retry_abandoned(const std::vector<AbandonedRun>& abandoned) {
  // An abandoned run counts as a failed attempt: the next attempt runs if the job has one left;
  // if not, it was the final one, and it is followed up as any final failure: the steps below
  // are skipped, its hooks and notify command fire (a process killed by the OOM killer alerts).
  std::vector<Decision> decisions;
  for (const auto& run : abandoned) {
    const auto i = job_index(run.job);
    if (!i) continue;
    if (run.attempt < plan_.config->jobs[*i].retry.attempts) {
      decisions.push_back(plan_.planner->offer(
          {*i, run.scheduled_for, RunCause::retry, run.attempt + 1, run.chain_run_id}));
      continue;
    }
    if (run.run_id == 0) continue;  // it never started: nothing ran that could have failed
    RunOrder order;
    order.config = plan_.config;
    order.job = *i;
    order.scheduled_for = run.scheduled_for;
    order.attempt = run.attempt;
    order.cause = run.cause;
    order.chain_run_id = run.chain_run_id == run.run_id ? 0 : run.chain_run_id;
    RunReport report;
    report.claimed = true;
    report.run_id = run.run_id;
    report.scheduled_for = run.scheduled_for;
    report.outcome.status = RunStatus::abandoned;
    report.outcome.error_message = "the instance running it stopped or lost its database link";
    follow_up(order, report);
  }
  dispatch(decisions);
}

void Scheduler::catch_up() {
  // Slots after `until` are the planner's (it fires from now on); the missed ones are in
  // (the latest recorded slot up to `until`, until]. Bounding the query by `until` keeps a slot
  // the planner claims meanwhile from hiding the gap.
  act(action::ReadLastSlots{std::chrono::floor<std::chrono::seconds>(now_.wall)});
}

void Scheduler::last_slots(const event::LastSlots& e) {
  if (stopping_ || paused()) return;
  std::vector<Decision> decisions;
  // A job with no row yet: its slots since it entered the plan (they fell while the database
  // was away, before any was recorded).
  std::vector<std::pair<std::string, schedule::Instant>> last = e.slots;
  std::unordered_set<std::string_view> recorded;
  for (const auto& [name, slot] : e.slots) recorded.insert(name);
  const auto& jobs = plan_.config->jobs;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (jobs[i].schedule && jobs[i].enabled && !recorded.contains(jobs[i].name)) {
      last.emplace_back(jobs[i].name, std::chrono::floor<std::chrono::seconds>(plan_.since[i]));
    }
  }
  for (const auto& [name, slot] : last) {
    const auto i = job_index(name);
    if (!i || !plan_.config->jobs[*i].enabled) continue;
    const auto& job = plan_.config->jobs[*i];
    if (!job.schedule) continue;  // chain steps: catch_up_chains()
    const auto missed = missed_slots(*job.schedule, slot, e.until, job.misfire, job.misfire_grace);
    for (const auto& [t, reason] : missed.dropped) {  // each gets its `skipped` row
      Decision skip;
      skip.action = Decision::Action::skip;
      skip.slot.job = *i;
      skip.slot.scheduled_for = t;
      skip.reason = reason;
      decisions.push_back(std::move(skip));
    }
    for (const auto t : missed.run) {
      decisions.push_back(plan_.planner->offer({*i, t, RunCause::catchup}));
    }
  }
  if (!decisions.empty()) {
    log(LogLevel::info, fmt::format("misfire: {} missed slots to catch up", decisions.size()));
  }
  dispatch(decisions);
  catch_up_chains(e.until);
}

void Scheduler::stop(const std::string& signal) {
  if (stopping_) {
    log(LogLevel::info,
        fmt::format("received another stop signal; still waiting for {} runs", running()));
    return;
  }
  log(LogLevel::info,
      fmt::format("received {}: no new runs; waiting up to {:.0f} s for {} running", signal,
                  seconds_of(plan_.config->scheduler.shutdown_grace), running()));
  stopping_ = true;
  act(action::SystemdNotify{"STOPPING=1"});
  act(action::SystemdNotify{"STATUS=" + status()});
  act(action::CancelTimer{TimerId{TimerId::Kind::wake, 0}});
  std::vector<std::uint64_t> waiting;
  for (auto& [key, run] : runs_) {
    if (run.state == RunState::retry_backoff) waiting.push_back(key);
    // Queued slots will not run: their claimed rows say so (unclaimed ones once claimed).
    if (run.state == RunState::queued && run.order.claimed_run_id) {
      run.state = RunState::starting;
      act(action::GiveUp{run.order, "shutdown: the daemon stopped before its turn came"});
    }
  }
  for (const auto key : waiting) {
    act(action::CancelTimer{TimerId{TimerId::Kind::retry, key}});
    drop_retry(key);
  }
  act(action::ArmTimer{TimerId{TimerId::Kind::grace, 0},
                       std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                           plan_.config->scheduler.shutdown_grace)});
  maybe_stop();
}

void Scheduler::grace_over() {
  if (runs_.empty()) return;
  grace_over_ = true;
  log(LogLevel::warn, fmt::format("shutdown grace over; cancelling {} running runs", running()));
  for (auto& [key, run] : runs_) {
    if (run.state == RunState::running) kill(run, StopReason::shutdown);
  }
  act(action::ArmTimer{TimerId{TimerId::Kind::grace, 0}, options_.kill_grace});
}

void Scheduler::maybe_stop() {
  if (!stopping_ || !runs_.empty()) return;
  act(action::CancelTimer{TimerId{TimerId::Kind::grace, 0}});
  act(action::Exit{false});
}

void Scheduler::reload(std::shared_ptr<const config::Config> config) {
  if (stopping_) return;
  for (const auto& key : config::restart_only_changes(*plan_.config, *config)) {
    log(LogLevel::warn,
        fmt::format("reload: {} changed, but it is read only at start: the old value stays "
                    "until a restart",
                    key));
  }
  // Fire what the old plan has due up to now, so the new plan (which starts after this second)
  // neither loses nor repeats a slot. The old plan may have looked further ahead (lead_): the
  // new one starts past that.
  horizon_ = std::max(horizon_, now_.wall + kLead);
  dispatch(plan_.planner->due(horizon_));
  auto plan = make_plan(std::move(config), horizon_);
  plan.planner->adopt_running(*plan_.planner);
  for (std::size_t i = 0; i < plan.config->jobs.size(); ++i) {
    if (const auto old = job_index(plan.config->jobs[i].name)) plan.since[i] = plan_.since[*old];
  }
  plan_ = std::move(plan);
  for (auto& [key, run] : runs_) {
    // A queued slot of a job the reload removed: no turn will come for it.
    if (run.state != RunState::queued || job_index(run.order.job_config().name)) continue;
    run.give_up = "the job was removed by a reload while the run was queued";
    if (run.order.claimed_run_id) {
      run.state = RunState::starting;
      act(action::GiveUp{run.order, run.give_up});
    }
  }
  act(action::WatchDirs{});
  act(action::NextFires{});
  log(LogLevel::info, fmt::format("configuration reloaded: {} jobs", plan_.config->jobs.size()));
  act(action::SystemdNotify{"STATUS=" + status()});
  act(action::SyncMirror{});
  arm();
}

}  // namespace sqlcron::core
