#include "core/planner.hpp"

#include <map>
#include <numeric>
#include <unordered_map>

#include "core/misfire_policy.hpp"

namespace sqlcron::core {

Planner::Planner(const std::vector<config::JobConfig>& jobs, TimePoint now,
                 std::chrono::seconds late_limit)
    : jobs_(jobs), late_limit_(late_limit), next_(jobs.size()), running_(jobs.size(), 0) {
  seed(now);
}

void Planner::seed(TimePoint now) {
  queue_ = {};
  const auto start = std::chrono::floor<std::chrono::seconds>(now);
  for (std::size_t i = 0; i < jobs_.size(); ++i) {
    next_[i].reset();
    if (jobs_[i].enabled) push_next(i, start);
  }
}

void Planner::push_next(std::size_t job, schedule::Instant after) {
  const auto& schedule = jobs_[job].schedule;
  if (!schedule) return;  // started by a chain, a file or a failure, not by the clock
  next_[job] = schedule->next_after(after);
  if (next_[job]) queue_.push(Entry{*next_[job], job});
}

Decision Planner::offer(const Slot& slot) {
  const auto& job = jobs_[slot.job];
  const int limit = job.overlap == config::Overlap::allow ? job.max_instances : 1;
  // Every failure gets its hook run (an alert is never skipped for overlap).
  if (running_[slot.job] < limit || slot.cause == RunCause::failure_hook) {
    ++running_[slot.job];
    return Decision{Decision::Action::start, slot, ""};
  }
  // Missed slots are caught up one after another (run_all), whatever the overlap policy.
  if (slot.cause == RunCause::catchup) {
    catchups_[slot.job].push_back(slot);
    return Decision{Decision::Action::queued, slot, ""};
  }
  // A retry continues its slot: it waits for the running run whatever the overlap policy.
  const bool may_queue = job.overlap == config::Overlap::queue || slot.cause == RunCause::retry;
  if (may_queue && queued_.count(slot.job) == 0) {
    queued_.emplace(slot.job, slot);
    return Decision{Decision::Action::queued, slot, ""};
  }
  std::string reason = job.overlap == config::Overlap::queue
                           ? "overlap: a run of " + job.name + " is running and one is queued"
                       : job.overlap == config::Overlap::allow
                           ? "overlap: " + std::to_string(limit) + " runs of " + job.name +
                                 " are running (max_instances)"
                           : "overlap: the previous run of " + job.name + " is still running";
  return Decision{Decision::Action::skip, slot, std::move(reason)};
}

std::vector<Slot> Planner::apply_misfire(std::size_t job, std::vector<Slot> late, TimePoint now,
                                         std::vector<Decision>& dropped) const {
  const auto& j = jobs_[job];
  std::vector<Slot> keep;
  for (auto& s : late) {
    const bool in_grace = now - s.scheduled_for <= j.misfire_grace;
    if (j.misfire == config::Misfire::skip || !in_grace) {
      dropped.push_back(Decision{Decision::Action::skip, s, misfire_reason(j.misfire, in_grace)});
      continue;
    }
    s.cause = RunCause::catchup;
    keep.push_back(s);
  }
  if (j.misfire == config::Misfire::run_once && keep.size() > 1) {
    for (auto it = keep.begin(); it != keep.end() - 1; ++it) {
      Slot slot = *it;
      slot.cause = RunCause::schedule;  // a scheduled slot that does not run
      dropped.push_back(Decision{Decision::Action::skip, slot, misfire_reason(j.misfire, true)});
    }
    keep.erase(keep.begin(), keep.end() - 1);
  }
  return keep;
}

std::vector<Decision> Planner::due(TimePoint now) {
  std::vector<Slot> slots;
  std::map<std::size_t, std::vector<Slot>> late;
  while (!queue_.empty() && queue_.top().at <= now) {
    const Entry e = queue_.top();
    queue_.pop();
    if (now - e.at > late_limit_) {
      late[e.job].push_back(Slot{e.job, e.at, RunCause::schedule});
    } else {
      slots.push_back(Slot{e.job, e.at, RunCause::schedule});
    }
    push_next(e.job, e.at);
  }
  std::vector<Decision> dropped;  // late slots the misfire policy does not run: a row each
  for (auto& [job, missed] : late) {
    for (const auto& s : apply_misfire(job, std::move(missed), now, dropped)) slots.push_back(s);
  }
  std::stable_sort(slots.begin(), slots.end(), [](const Slot& a, const Slot& b) {
    return a.scheduled_for != b.scheduled_for ? a.scheduled_for < b.scheduled_for : a.job < b.job;
  });
  std::vector<Decision> out = std::move(dropped);
  out.reserve(out.size() + slots.size());
  for (const auto& s : slots) {
    out.push_back(offer(s));
  }
  return out;
}

std::optional<Decision> Planner::run_finished(std::size_t job) {
  if (running_[job] > 0) --running_[job];
  if (const auto c = catchups_.find(job); c != catchups_.end()) {
    const Slot slot = c->second.front();
    c->second.pop_front();
    if (c->second.empty()) catchups_.erase(c);
    ++running_[job];
    return Decision{Decision::Action::start, slot, ""};
  }
  const auto it = queued_.find(job);
  if (it == queued_.end()) return std::nullopt;
  const Slot slot = it->second;
  queued_.erase(it);
  ++running_[job];
  return Decision{Decision::Action::start, slot, ""};
}

void Planner::rebase(TimePoint now) { seed(now); }

std::optional<schedule::Instant> Planner::next_wakeup() const {
  if (queue_.empty()) return std::nullopt;
  return queue_.top().at;
}

std::optional<schedule::Instant> Planner::next_fire(std::size_t job) const { return next_[job]; }

int Planner::running_total() const { return std::accumulate(running_.begin(), running_.end(), 0); }

void Planner::forget_queued(std::size_t job, schedule::Instant slot) {
  if (const auto q = queued_.find(job); q != queued_.end() && q->second.scheduled_for == slot) {
    queued_.erase(q);
    return;
  }
  if (const auto c = catchups_.find(job); c != catchups_.end()) {
    std::erase_if(c->second, [&](const Slot& s) { return s.scheduled_for == slot; });
    if (c->second.empty()) catchups_.erase(c);
  }
}

void Planner::adopt_running(const Planner& old) {
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < jobs_.size(); ++i) index.emplace(jobs_[i].name, i);
  for (std::size_t j = 0; j < old.jobs_.size(); ++j) {
    const auto it = index.find(old.jobs_[j].name);
    if (it == index.end()) continue;
    running_[it->second] += old.running_[j];
    if (const auto c = old.catchups_.find(j); c != old.catchups_.end()) {
      auto& mine = catchups_[it->second];
      for (auto slot : c->second) {
        slot.job = it->second;
        mine.push_back(std::move(slot));
      }
    }
    if (const auto q = old.queued_.find(j); q != old.queued_.end()) {
      Slot slot = q->second;
      slot.job = it->second;
      queued_.insert_or_assign(it->second, std::move(slot));
    }
  }
}

}  // namespace sqlcron::core
