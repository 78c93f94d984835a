#include "config/job_set_check.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <string>

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

// Whether runs of root jobs `a` and `b` can have the same slot: the same job, or the same
// schedule in the same zone whose grid does not depend on when each job was defined.
bool same_slots(const JobConfig& a, const JobConfig& b) {
  if (&a == &b) return true;
  return a.schedule && b.schedule && a.schedule_text() == b.schedule_text() &&
         a.timezone == b.timezone && a.schedule->anchoring() == schedule::Schedule::Anchoring::none;
}

std::string describe_root(const JobConfig& upstream, const JobConfig& root) {
  std::string trigger =
      root.schedule ? "\"" + root.schedule_text() + "\" in " + root.timezone : root.trigger();
  if (root.schedule && root.schedule->anchoring() != schedule::Schedule::Anchoring::none) {
    trigger += ", counted from its own definition";
  }
  if (&upstream == &root) return upstream.name + " (" + trigger + ")";
  return upstream.name + " (from " + root.name + ": " + trigger + ")";
}

// A join (several after: jobs) runs when all of them succeeded for the same slot, and a chain's
// slot is its root's: roots whose slots never coincide make a join that can never run.
std::optional<std::string> join_problem(const std::vector<JobConfig>& jobs, const JobGraph& graph,
                                        std::size_t job) {
  const auto& ups = graph.upstream(job);
  if (ups.size() < 2) return std::nullopt;
  std::vector<std::pair<std::size_t, std::size_t>> roots;  // (upstream, its root)
  for (const auto u : ups) {
    for (const auto r : graph.roots(u)) roots.emplace_back(u, r);
  }
  const auto [u0, r0] = roots.front();
  for (const auto& [u, r] : roots) {
    if (r == r0 || same_slots(jobs[r0], jobs[r])) continue;  // one root: one instance, one slot
    return "a join that can never run: it waits for " + describe_root(jobs[u0], jobs[r0]) +
           " and " + describe_root(jobs[u], jobs[r]) +
           ", which never have the same slot; a join runs when all its upstream jobs succeeded "
           "for the same slot, so their roots need the same schedule (as written; an interval "
           "with starts) and timezone";
  }
  return std::nullopt;
}

// after: and on_failure: name existing jobs, chains have no cycle, and every job has a way
// to start.
void check_pipelines(const std::vector<JobConfig>& jobs, std::vector<ConfigIssue>& issues) {
  static const std::vector<std::string> kNone;
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
    // A list the job took as a default was checked where it is written.
    for (const auto& h : job.source.on_failure_line > 0 ? job.on_failure : kNone) {
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
    return;
  }
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (auto why = join_problem(jobs, graph, i)) {
      problem(jobs[i], jobs[i].source.after_line, "after", std::move(*why));
    }
  }
}

}  // namespace

void check_job_set(const std::vector<JobConfig>& jobs, std::vector<ConfigIssue>& issues) {
  check_duplicates(jobs, issues);
  if (issues.empty()) check_pipelines(jobs, issues);
}

}  // namespace sqlcron::config
