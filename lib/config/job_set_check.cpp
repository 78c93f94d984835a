#include "config/job_set_check.hpp"

#include <algorithm>
#include <map>

#include "config/job_graph.hpp"

namespace sqlcron::config {

namespace {

void check_duplicates(const std::vector<JobConfig>& jobs, std::vector<ConfigIssue>& issues) {
  std::map<std::string, const JobConfig*> seen;
  for (const auto& job : jobs) {
    auto [it, inserted] = seen.emplace(job.name, &job);
    if (!inserted) {
      issues.push_back(ConfigIssue{*job.source.file, job.source.line, 1, "jobs.name",
                                   "duplicate job name '" + job.name + "' (first defined at " +
                                       *it->second->source.file + ":" +
                                       std::to_string(it->second->source.line) + ")"});
    }
  }
}

// after: and on_failure: name existing jobs, chains have no cycle, and every job has a way
// to start.
void check_pipelines(const std::vector<JobConfig>& jobs, std::vector<ConfigIssue>& issues) {
  std::map<std::string, bool> hook_target;
  for (const auto& job : jobs) {
    for (const auto& h : job.on_failure) hook_target[h] = true;
  }
  const auto exists = [&](const std::string& name) {
    return std::any_of(jobs.begin(), jobs.end(), [&](const auto& j) { return j.name == name; });
  };
  // At the key's line when known (column 1: its items may span lines), else at the job.
  const auto problem = [&](const JobConfig& job, int line, const std::string& key,
                           std::string message) {
    issues.push_back(ConfigIssue{
        *job.source.file, line > 0 ? line : job.source.line, line > 0 ? 1 : job.source.column,
        "jobs[" + std::to_string(job.source.item) + "]." + key, std::move(message)});
  };
  for (const auto& job : jobs) {
    for (const auto& up : job.after) {
      if (!exists(up)) {
        problem(job, job.source.after_line, "after", "no job named '" + up + "'");
      }
    }
    for (const auto& h : job.on_failure) {
      if (!exists(h)) {
        problem(job, job.source.on_failure_line, "on_failure", "no job named '" + h + "'");
      } else if (h == job.name) {
        problem(job, job.source.on_failure_line, "on_failure",
                "a job cannot be its own failure hook");
      }
    }
    if (!job.schedule && job.after.empty() && job.watch.empty() && !hook_target[job.name]) {
      problem(job, 0, "schedule",
              "is required (or after: to run in a chain, watch: to run when files arrive, or "
              "name the job in another job's on_failure:)");
    }
  }
  if (!issues.empty()) return;
  const JobGraph graph(jobs);
  if (auto cycle = graph.find_cycle()) {
    std::string path;
    for (const auto& name : *cycle) path += (path.empty() ? "" : " -> ") + name;
    const auto& job = jobs[*graph.index(cycle->back())];
    problem(job, job.source.after_line, "after",
            cycle->size() == 2 ? "a job cannot run after itself: " + path
                               : "the chain has a cycle: " + path);
  }
}

}  // namespace

void check_job_set(const std::vector<JobConfig>& jobs, std::vector<ConfigIssue>& issues) {
  check_duplicates(jobs, issues);
  if (issues.empty()) check_pipelines(jobs, issues);
}

}  // namespace sqlcron::config
