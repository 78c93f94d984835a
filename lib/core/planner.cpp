#include "core/planner.hpp"

#include <numeric>
#include <unordered_map>

namespace sqlcron::core {

Planner::Planner(const std::vector<config::JobConfig>& jobs, TimePoint now)
    : jobs_(jobs), next_(jobs.size()), running_(jobs.size(), 0) {
  const auto start = std::chrono::floor<std::chrono::seconds>(now);
  for (std::size_t i = 0; i < jobs_.size(); ++i) {
    if (jobs_[i].enabled) push_next(i, start);
  }
}

void Planner::push_next(std::size_t job, schedule::Instant after) {
  next_[job] = jobs_[job].schedule.next_after(after);
  if (next_[job]) queue_.push(Entry{*next_[job], job});
}

std::vector<Decision> Planner::due(TimePoint now) {
  std::vector<Decision> out;
  while (!queue_.empty() && queue_.top().at <= now) {
    const Entry e = queue_.top();
    queue_.pop();
    Decision d{Decision::Action::start, Slot{e.job, e.at}, ""};
    if (running_[e.job] > 0) {
      d.action = Decision::Action::skip;
      d.reason = "overlap: the previous run of " + jobs_[e.job].name + " is still running";
    } else {
      ++running_[e.job];
    }
    out.push_back(std::move(d));
    push_next(e.job, e.at);
  }
  return out;
}

std::optional<schedule::Instant> Planner::next_wakeup() const {
  if (queue_.empty()) return std::nullopt;
  return queue_.top().at;
}

std::optional<schedule::Instant> Planner::next_fire(std::size_t job) const { return next_[job]; }

void Planner::run_started(std::size_t job) { ++running_[job]; }

void Planner::run_finished(std::size_t job) {
  if (running_[job] > 0) --running_[job];
}

int Planner::running_total() const { return std::accumulate(running_.begin(), running_.end(), 0); }

void Planner::adopt_running(const Planner& old) {
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < jobs_.size(); ++i) index.emplace(jobs_[i].name, i);
  for (std::size_t j = 0; j < old.jobs_.size(); ++j) {
    const auto it = index.find(old.jobs_[j].name);
    if (it != index.end()) running_[it->second] += old.running_[j];
  }
}

}  // namespace sqlcron::core
