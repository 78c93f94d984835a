// Scheduler, continued: pipelines (docs/pipelines.md). After a run's final outcome - once its
// retries are over - a success starts the jobs that run after it, for the same slot; a failure
// records them as skipped, fires the job's failure hooks and runs its notify command. Watched
// directories start their jobs when files arrive.
#include <fmt/format.h>
#include <fnmatch.h>

#include "core/chain_readiness.hpp"
#include "core/failure_follow_up.hpp"
#include "core/scheduler.hpp"
#include "core/scheduler_timing.hpp"
#include "util/utf8.hpp"

namespace sqlcron::core {

using namespace timing;  // NOLINT(google-build-using-namespace): the scheduler's own timings

void Scheduler::follow_up(const RunOrder& order, const RunReport& report) {
  const auto& name = order.job_config().name;
  const auto i = job_index(name);  // the plan may have been reloaded while it ran
  if (!i) return;
  if (const auto& j = order.job_config();
      report.outcome.files_settling && j.load_csv && j.load_csv->dir == j.watch && !stopping_) {
    // Files it left as still changing: look again once they may have settled (the watcher waits
    // settle), not only when something else arrives - their writer may be done, its clock a
    // little ahead.
    act(action::Rescan{name});
  }
  if (report.outcome.status == RunStatus::succeeded) {
    const auto chain = order.chain_run_id != 0 ? order.chain_run_id : report.run_id;
    if (report.outcome.no_new_data) {
      // A load that found nothing new: the steps below would only redo the last instance.
      skip_downstream(*i, order.scheduled_for, chain, std::string(kNoNewData));
      return;
    }
    if (!stopping_) start_downstream(*i, order.scheduled_for, chain);
    return;
  }
  // The same rule as every other way a run can start (run-now, backfill, rerun).
  auto f = failure_follow_up(*plan_.config, *plan_.graph, order, report, options_.instance);
  if (!f) return;  // cancelled by a shutdown: nothing follows
  skip_downstream(*i, order.scheduled_for, f->chain, f->skip_reason);
  fire_hooks(*f);
  if (f->notify) act(std::move(*f->notify));
}

void Scheduler::start_downstream(std::size_t job, schedule::Instant slot, std::int64_t chain) {
  const auto& jobs = plan_.config->jobs;
  for (const auto d : plan_.graph->downstream(job)) {
    const auto& ups = plan_.graph->upstream(d);
    if (ups.size() == 1) {
      offer_chain(d, slot, chain);
      continue;
    }
    // Several upstream jobs (perhaps run by other instances): ready once all have succeeded
    // for this slot, which the run log says (UpstreamDone).
    action::CheckUpstream check{jobs[d].name, {}, slot, chain};
    for (const auto u : ups) check.upstream.push_back(jobs[u].name);
    act(std::move(check));
  }
}

void Scheduler::offer_chain(std::size_t job, schedule::Instant slot, std::int64_t chain) {
  const auto& j = plan_.config->jobs[job];
  if (!chained_.emplace(j.name, slot).second) return;  // already started for this slot
  if (chained_.size() > kChainMemory) {
    // Forget the oldest slots; a repeat after that is caught by the run log's claim key.
    auto oldest = chained_.begin();
    for (auto it = chained_.begin(); it != chained_.end(); ++it) {
      if (it->second < oldest->second) oldest = it;
    }
    chained_.erase(oldest);
  }
  if (!j.enabled) {
    const Slot s{job, slot, RunCause::chain, 1, chain, nullptr};
    dispatch({Decision{Decision::Action::skip, s, std::string(kJobDisabled)}});
    return;
  }
  if (paused()) {
    log(LogLevel::warn, fmt::format("job {} slot {}: not started, the database is unavailable; it "
                                    "starts when the database is back",
                                    j.name, when(slot)));
    chained_.erase({j.name, slot});
    return;
  }
  log(LogLevel::info, fmt::format("chain {}: job {} for slot {} (its upstream jobs succeeded)",
                                  chain, j.name, when(slot)));
  dispatch({plan_.planner->offer(Slot{job, slot, RunCause::chain, 1, chain, nullptr})});
}

void Scheduler::skip_downstream(std::size_t job, schedule::Instant slot, std::int64_t chain,
                                const std::string& reason) {
  for (const auto d : plan_.graph->descendants(job)) {
    if (!chained_.emplace(plan_.config->jobs[d].name, slot).second) continue;  // decided already
    RunOrder r;
    r.config = plan_.config;
    r.job = d;
    r.scheduled_for = slot;
    r.cause = RunCause::chain;
    r.chain_run_id = chain;
    act(action::RecordSkip{std::move(r), reason});
  }
}

void Scheduler::fire_hooks(const FailureFollowUp& f) {
  const auto& failure = f.failure;
  const auto now = std::chrono::floor<std::chrono::seconds>(now_.wall);
  for (const auto& hook : f.disabled_hooks) {
    log(LogLevel::warn,
        fmt::format("job {} failed; its failure hook {} is disabled", failure->job, hook));
  }
  for (const auto h : f.hooks) {
    const auto& hook = plan_.config->jobs[h].name;
    const Slot slot{h, now, RunCause::failure_hook, 1, f.chain, failure};
    if (stopping_) {
      log(LogLevel::error,
          fmt::format("job {} failed (run {}) during shutdown; its failure hook {} is not run",
                      failure->job, failure->run_id, hook));
      continue;
    }
    if (paused()) {
      log(LogLevel::warn,
          fmt::format("job {} failed (run {}); its failure hook {} runs when the database is back",
                      failure->job, failure->run_id, hook));
      pending_hooks_.emplace_back(hook, slot);
      continue;
    }
    log(LogLevel::info, fmt::format("job {} failed (run {}); firing its failure hook {}",
                                    failure->job, failure->run_id, hook));
    dispatch({plan_.planner->offer(slot)});
  }
}

void Scheduler::fire_pending_hooks() {
  auto hooks = std::move(pending_hooks_);
  pending_hooks_.clear();
  for (auto& [hook, slot] : hooks) {
    // The plan may have been reloaded meanwhile: find the hook by name.
    const auto h = job_index(hook);
    if (!h) continue;
    slot.job = *h;
    dispatch({plan_.planner->offer(slot)});
  }
}

void Scheduler::catch_up_chains(schedule::Instant now) {
  // A chain step whose upstream jobs all succeeded but that never got a run row: the daemon
  // stopped (or lost the database) in between. Decided with the step's misfire policy.
  const auto& jobs = plan_.config->jobs;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const auto& j = jobs[i];
    if (j.after.empty() || !j.enabled || j.misfire == config::Misfire::skip) continue;
    action::ReadPendingChain read{
        j.name, {}, std::chrono::floor<std::chrono::seconds>(now - j.misfire_grace)};
    for (const auto u : plan_.graph->upstream(i)) read.upstream.push_back(jobs[u].name);
    act(std::move(read));
  }
}

void Scheduler::pending_chain(const event::PendingChainSlots& e) {
  const auto i = job_index(e.step);
  if (!i || stopping_ || e.slots.empty()) return;
  auto slots = e.slots;
  if (plan_.config->jobs[*i].misfire == config::Misfire::run_once) {
    slots.erase(slots.begin(), slots.end() - 1);
  }
  for (const auto& [slot, chain] : slots) {
    log(LogLevel::info,
        fmt::format("misfire: chain step {} for slot {} was never started", e.step, when(slot)));
    offer_chain(*i, slot, chain);
  }
}

void Scheduler::file_arrived(const event::FileArrived& e) {
  const auto i = job_index(e.job);
  if (!i || stopping_) return;
  const auto& job = plan_.config->jobs[*i];
  if (const auto& csv = job.load_csv; csv && csv->dir == job.watch && !e.file.empty()) {
    // A load of the watched directory: only a file it would load (or its marker) starts it.
    if (!csv->marker.empty() && e.file != csv->marker) return;  // the marker says when
    if (csv->marker.empty() && ::fnmatch(csv->pattern.c_str(), e.file.c_str(), FNM_PERIOD) != 0) {
      log(LogLevel::warn,
          fmt::format("job {}: {} arrived in {} but does not match pattern '{}': "
                      "ignored, never loaded",
                      e.job, util::escape_for_message(e.file), job.watch, csv->pattern));
      return;
    }
  }
  if (plan_.planner->has_queued(*i)) return;  // the queued run will load it
  if (paused()) {
    log(LogLevel::warn, fmt::format("job {}: {} arrived while the database is unavailable; it is "
                                    "loaded when the database is back",
                                    e.job, e.file));
    return;
  }
  // One slot per second at most, and never one already used: each arrival gets its own run.
  auto slot = std::chrono::floor<std::chrono::seconds>(now_.wall);
  if (const auto it = last_watch_slot_.find(e.job);
      it != last_watch_slot_.end() && slot <= it->second) {
    slot = it->second + std::chrono::seconds(1);
  }
  last_watch_slot_[e.job] = slot;
  log(LogLevel::info, fmt::format("job {}: {} in {}; starting it for slot {}", e.job,
                                  e.file.empty() ? "files may have arrived (event queue overflow)"
                                                 : e.file + " arrived",
                                  plan_.config->jobs[*i].watch, when(slot)));
  dispatch({plan_.planner->offer(Slot{*i, slot, RunCause::watch})});
}

}  // namespace sqlcron::core
