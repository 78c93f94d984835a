#include "config/job_graph.hpp"

#include <algorithm>
#include <functional>
#include <unordered_map>

namespace sqlcron::config {

JobGraph::JobGraph(const std::vector<JobConfig>& jobs) {
  names_.reserve(jobs.size());
  std::unordered_map<std::string_view, std::size_t> by_name;
  bool any = false;
  for (const auto& job : jobs) {
    names_.emplace_back(job.name);
    any = any || !job.after.empty();
  }
  if (!any) return;
  for (std::size_t i = 0; i < jobs.size(); ++i) by_name.emplace(names_[i], i);
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    for (const auto& up : jobs[i].after) {
      const auto it = by_name.find(up);
      if (it == by_name.end()) continue;
      auto& ups = upstream_[i];
      if (std::find(ups.begin(), ups.end(), it->second) != ups.end()) continue;
      ups.push_back(it->second);
      downstream_[it->second].push_back(i);
    }
  }
}

const std::vector<std::size_t>& JobGraph::edges(const Edges& all, std::size_t job) {
  static const std::vector<std::size_t> kNone;
  const auto it = all.find(job);
  return it == all.end() ? kNone : it->second;
}

std::optional<std::size_t> JobGraph::index(const std::string& name) const {
  const auto it = std::find(names_.begin(), names_.end(), name);
  if (it == names_.end()) return std::nullopt;
  return static_cast<std::size_t>(it - names_.begin());
}

std::vector<std::size_t> JobGraph::descendants(std::size_t job) const {
  // Reachable set first, then Kahn's algorithm restricted to it (configuration order on ties).
  std::vector<char> reach(names_.size(), 0);
  std::vector<std::size_t> stack{job};
  while (!stack.empty()) {
    const auto j = stack.back();
    stack.pop_back();
    for (const auto d : downstream(j)) {
      if (reach[d] == 0) {
        reach[d] = 1;
        stack.push_back(d);
      }
    }
  }
  std::vector<int> pending(names_.size(), 0);
  for (std::size_t j = 0; j < names_.size(); ++j) {
    if (reach[j] == 0) continue;
    for (const auto u : upstream(j)) {
      if (reach[u] != 0) ++pending[j];
    }
  }
  std::vector<std::size_t> out;
  std::vector<std::size_t> ready;
  for (const auto d : downstream(job)) {
    if (pending[d] == 0 && std::find(ready.begin(), ready.end(), d) == ready.end()) {
      ready.push_back(d);
    }
  }
  while (!ready.empty()) {
    std::sort(ready.begin(), ready.end(), std::greater<>());
    const auto j = ready.back();
    ready.pop_back();
    out.push_back(j);
    for (const auto d : downstream(j)) {
      if (reach[d] != 0 && --pending[d] == 0) ready.push_back(d);
    }
  }
  return out;
}

std::vector<std::size_t> JobGraph::roots(std::size_t job) const {
  std::vector<std::size_t> out;
  std::vector<char> seen(names_.size(), 0);
  std::vector<std::size_t> stack{job};
  seen[job] = 1;
  while (!stack.empty()) {
    const auto j = stack.back();
    stack.pop_back();
    if (upstream(j).empty()) out.push_back(j);
    for (const auto u : upstream(j)) {
      if (seen[u] == 0) {
        seen[u] = 1;
        stack.push_back(u);
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<std::vector<std::string>> JobGraph::find_cycle() const {
  // Depth-first search along `after` edges (job -> its upstream); a back edge closes a cycle.
  enum : char { unvisited, active, done };
  std::vector<char> state(names_.size(), unvisited);
  std::vector<std::size_t> path;
  std::optional<std::vector<std::string>> found;
  std::function<bool(std::size_t)> visit = [&](std::size_t j) {
    state[j] = active;
    path.push_back(j);
    for (const auto u : upstream(j)) {
      if (state[u] == active) {
        std::vector<std::string> cycle;
        // Written in run order: upstream first.
        for (auto it = path.rbegin(); it != path.rend(); ++it) {
          cycle.emplace_back(names_[*it]);
          if (*it == u) break;
        }
        cycle.emplace_back(names_[j]);
        found = std::move(cycle);
        return true;
      }
      if (state[u] == unvisited && visit(u)) return true;
    }
    path.pop_back();
    state[j] = done;
    return false;
  };
  for (std::size_t j = 0; j < names_.size(); ++j) {
    if (state[j] == unvisited && visit(j)) return found;
  }
  return std::nullopt;
}

}  // namespace sqlcron::config
