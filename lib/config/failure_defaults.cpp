#include "config/failure_defaults.hpp"

#include <set>
#include <unordered_map>

namespace sqlcron::config {

namespace {

// The job whose failure settings a chain step inherits: its root through the first job of each
// after: (bounded, so that a cycle - reported elsewhere - ends the walk).
const JobConfig& root_of(const std::vector<JobConfig>& jobs,
                         const std::unordered_map<std::string, std::size_t>& index,
                         const JobConfig& job) {
  const JobConfig* at = &job;
  for (std::size_t steps = 0; !at->after.empty() && steps < jobs.size(); ++steps) {
    const auto it = index.find(at->after.front());
    if (it == index.end()) break;
    at = &jobs[it->second];
  }
  return *at;
}

}  // namespace

void apply_failure_defaults(const std::string& file, const SchedulerConfig& defaults,
                            std::vector<JobConfig>& jobs, std::vector<ConfigIssue>& issues) {
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < jobs.size(); ++i) index.emplace(jobs[i].name, i);
  bool known = true;
  for (const auto& h : defaults.on_failure) {
    if (index.count(h) == 0) {
      issues.push_back(ConfigIssue{file, defaults.on_failure_line, 1, "scheduler.on_failure",
                                   "no job named '" + h + "'"});
      known = false;
    }
  }
  if (!known) return;
  std::set<std::string> hooks(defaults.on_failure.begin(), defaults.on_failure.end());
  for (const auto& job : jobs) hooks.insert(job.on_failure.begin(), job.on_failure.end());
  // Decided from what each job wrote, before any job takes a default.
  std::vector<std::pair<std::size_t, std::size_t>> from;  // (job, the job it inherits from)
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (hooks.count(jobs[i].name) == 0) {
      from.emplace_back(i, index.at(root_of(jobs, index, jobs[i]).name));
    }
  }
  for (const auto& [i, r] : from) {
    auto& job = jobs[i];
    const auto& root = jobs[r];
    if (job.source.on_failure_line == 0) {
      job.on_failure = root.source.on_failure_line > 0 ? root.on_failure : defaults.on_failure;
    }
    if (job.source.notify_line == 0) {
      job.notify = root.source.notify_line > 0 ? root.notify : defaults.notify;
    }
  }
}

}  // namespace sqlcron::config
