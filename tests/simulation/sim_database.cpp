#include "sim_database.hpp"

#include <date/date.h>
#include <fmt/format.h>

#include <algorithm>

namespace sqlcron::sim {

namespace {

std::string when(schedule::Instant t) { return date::format("%FT%TZ", t); }

}  // namespace

void SimDatabase::violation(std::string what) {
  violations_.push_back(
      fmt::format("at {:.3f} s: {}", std::chrono::duration<double>(world_.steady()).count(), what));
}

std::optional<std::int64_t> SimDatabase::find(const std::string& job, schedule::Instant slot,
                                              int attempt) const {
  const auto j = by_job_.find(job);
  if (j == by_job_.end()) return std::nullopt;
  const auto* s = j->second.slots.find(slot);
  if (s == nullptr) return std::nullopt;
  for (const auto id : s->ids) {
    if (row(id).attempt == attempt) return id;
  }
  return std::nullopt;
}

bool SimDatabase::has_slot(const std::string& job, schedule::Instant slot) const {
  const auto j = by_job_.find(job);
  return j != by_job_.end() && j->second.slots.contains(slot);
}

void SimDatabase::set_status(Row& r, core::RunStatus status) {
  if (r.status == core::RunStatus::running) running_.erase(r.id);
  r.status = status;
  if (status == core::RunStatus::running) running_.insert(r.id);
}

const config::JobConfig* SimDatabase::job_config(
    const std::shared_ptr<const config::Config>& config, const std::string& name) {
  if (config != indexed_) {
    indexed_ = config;
    jobs_.clear();
    for (const auto& j : config->jobs) jobs_.emplace(j.name, &j);
  }
  const auto it = jobs_.find(name);
  return it == jobs_.end() ? nullptr : it->second;
}

std::optional<std::int64_t> SimDatabase::claim(const core::RunOrder& order,
                                               const std::string& instance) {
  auto slot = order.scheduled_for;
  const auto& name = order.job_config().name;
  // A failure hook takes the next free second, as the run log's claim does.
  const int tries = order.cause == core::RunCause::failure_hook ? 60 : 1;
  for (int i = 0; i < tries; ++i, slot += std::chrono::seconds(1)) {
    if (find(name, slot, order.attempt)) continue;
    Row r{static_cast<std::int64_t>(rows_.size()) + 1,
          name,
          slot,
          order.attempt,
          core::RunStatus::running,
          order.cause,
          instance,
          order.chain_run_id,
          order.failure ? order.failure->run_id : 0};
    rows_of(name).slots[slot].ids.push_back(r.id);
    running_.insert(r.id);
    rows_.push_back(r);
    executed_.push_back(false);
    if (r.failure_of != 0 && ++hook_runs_[{name, r.failure_of, r.attempt}] > 1) {
      violation(fmt::format("hook {} fired twice for the failure of run {}", name, r.failure_of));
    }
    return r.id;
  }
  return std::nullopt;
}

bool SimDatabase::take_lease(const std::string& job, std::int64_t run_id, int limit) {
  auto& holders = leases_[job];
  std::erase_if(holders, [&](std::int64_t h) { return row(h).status != core::RunStatus::running; });
  if (std::find(holders.begin(), holders.end(), run_id) != holders.end()) return true;
  if (static_cast<int>(holders.size()) >= limit) return false;
  holders.push_back(run_id);
  return true;
}

void SimDatabase::finish(std::int64_t run_id, core::RunStatus status) {
  auto& r = rows_.at(run_id - 1);
  // As the run log: only a running (or abandoned: a late truth) row is finished.
  if (r.status == core::RunStatus::running || r.status == core::RunStatus::abandoned) {
    set_status(r, status);
  }
}

void SimDatabase::skip(const core::RunOrder& order, const std::string& instance) {
  const auto& name = order.job_config().name;
  if (find(name, order.scheduled_for, order.attempt)) return;  // INSERT IGNORE
  Row r{static_cast<std::int64_t>(rows_.size()) + 1,
        name,
        order.scheduled_for,
        order.attempt,
        core::RunStatus::skipped,
        order.cause,
        instance,
        order.chain_run_id,
        0};
  rows_of(name).slots[order.scheduled_for].ids.push_back(r.id);
  rows_.push_back(r);
  executed_.push_back(false);
}

std::vector<core::AbandonedRun> SimDatabase::sweep(const std::string& instance) {
  std::vector<core::AbandonedRun> out;
  std::vector<std::int64_t> dead;
  for (const auto id : running_) {  // in id order, as the run log's query returns them
    const auto& r = row(id);
    if (r.instance == instance) continue;
    const auto hb = heartbeats_.find(r.instance);
    if (stopped_.contains(r.instance) || hb == heartbeats_.end() ||
        world_.steady() - hb->second > kStaleAfter) {
      dead.push_back(id);
    }
  }
  for (const auto id : dead) {
    auto& r = rows_.at(id - 1);
    set_status(r, core::RunStatus::abandoned);
    out.push_back({r.job, r.slot, r.attempt, r.chain});
  }
  return out;
}

bool SimDatabase::abandon_in_doubt(const std::string& job, schedule::Instant slot, int attempt,
                                   const std::string& instance) {
  const auto id = find(job, slot, attempt);
  if (!id) return false;
  auto& r = rows_.at(*id - 1);
  if (r.status != core::RunStatus::running || r.instance != instance) return false;
  set_status(r, core::RunStatus::abandoned);
  return true;
}

std::vector<std::pair<std::string, schedule::Instant>> SimDatabase::last_slots(
    schedule::Instant until) const {
  std::vector<std::pair<std::string, schedule::Instant>> out;
  for (const auto& [job, rows] : by_job_) {
    // The latest slot <= until that has a row other than a manual run's.
    auto it = rows.slots.upper_bound(until);
    while (it != rows.slots.begin()) {
      --it;
      const bool counted = std::any_of(it->second.ids.begin(), it->second.ids.end(), [&](auto id) {
        return row(id).cause != core::RunCause::manual;
      });
      if (counted) {
        out.emplace_back(job, it->first);
        break;
      }
    }
  }
  return out;
}

std::optional<std::int64_t> SimDatabase::upstream_done(const std::vector<std::string>& upstream,
                                                       schedule::Instant slot) const {
  std::int64_t first = 0;
  for (const auto& u : upstream) {
    bool done = false;
    const auto j = by_job_.find(u);
    const auto* s = j == by_job_.end() ? nullptr : j->second.slots.find(slot);
    if (s != nullptr) {
      for (const auto id : s->ids) {
        const auto& r = row(id);
        if (r.status != core::RunStatus::succeeded) continue;
        done = true;
        const auto chain = r.chain != 0 ? r.chain : r.id;
        first = first == 0 ? chain : std::min(first, chain);
      }
    }
    if (!done) return std::nullopt;
  }
  return first;
}

std::vector<std::pair<schedule::Instant, std::int64_t>> SimDatabase::pending_chain(
    const std::string& step, const std::vector<std::string>& upstream,
    schedule::Instant since) const {
  std::vector<std::pair<schedule::Instant, std::int64_t>> out;
  const auto first = by_job_.find(upstream.front());
  if (first == by_job_.end()) return out;
  const auto steps = by_job_.find(step);
  for (auto it = first->second.slots.lower_bound(since); it != first->second.slots.end(); ++it) {
    if (steps != by_job_.end() && steps->second.slots.contains(it->first)) continue;
    if (const auto chain = upstream_done(upstream, it->first)) out.emplace_back(it->first, *chain);
  }
  return out;
}

void SimDatabase::executing(const std::shared_ptr<const config::Config>& config,
                            std::int64_t run_id, Nanos start) {
  const auto& r = row(run_id);
  if (executed_.at(run_id - 1)) {
    violation(fmt::format("attempt {} of {} slot {} ran twice", r.attempt, r.job, when(r.slot)));
  }
  executed_[run_id - 1] = true;
  if (const auto* job = job_config(config, r.job)) {
    if (r.attempt > job->retry.attempts) {
      violation(fmt::format("{} slot {} ran attempt {} of {}", r.job, when(r.slot), r.attempt,
                            job->retry.attempts));
    }
    const bool leased = r.cause != core::RunCause::failure_hook &&
                        r.cause != core::RunCause::manual && job->overlap != config::Overlap::allow;
    for (const auto& [id, i] : executing_) {
      if (leased && executions_[i].job == r.job) {
        violation(
            fmt::format("{} slot {} started while its run {} still ran", r.job, when(r.slot), id));
      }
    }
    for (const auto& u : job->after) {
      const auto j = by_job_.find(u);
      const auto* s = j == by_job_.end() ? nullptr : j->second.slots.find(r.slot);
      const bool done = s != nullptr && s->succeeded && *s->succeeded <= start;
      if (!done) {
        violation(
            fmt::format("chain step {} slot {} ran before {} succeeded", r.job, when(r.slot), u));
      }
    }
  }
  executing_[run_id] = executions_.size();
  executions_.push_back(Execution{run_id, r.job, r.slot, r.attempt, start, std::nullopt, false});
}

void SimDatabase::executed(std::int64_t run_id, bool succeeded) {
  const auto it = executing_.find(run_id);
  if (it == executing_.end()) return;
  auto& e = executions_[it->second];
  e.end = world_.steady();
  e.succeeded = succeeded;
  if (succeeded) {
    auto& slot = rows_of(e.job).slots[e.slot];
    if (!slot.succeeded) slot.succeeded = e.end;
  }
  executing_.erase(it);
}

void SimDatabase::hooked(std::int64_t failed_run) {
  if (++notified_[failed_run] > 1) violation(fmt::format("run {} notified twice", failed_run));
}

}  // namespace sqlcron::sim
