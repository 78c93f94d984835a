// JobGraph: the pipelines of a configuration - which jobs run after which (`after:`). Built from
// job names as written; unknown names are ignored here (ConfigLoader reports them). Indices are
// positions in the job list it was built from, which must outlive the graph (it keeps views of
// the names). Edges are kept only for the jobs that have them: most jobs of a large config are
// in no pipeline.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"

namespace sqlcron::config {

class JobGraph {
 public:
  explicit JobGraph(const std::vector<JobConfig>& jobs);

  // Jobs that list `job` in their `after:`, in configuration order.
  [[nodiscard]] const std::vector<std::size_t>& downstream(std::size_t job) const {
    return edges(downstream_, job);
  }
  // The jobs `job` runs after.
  [[nodiscard]] const std::vector<std::size_t>& upstream(std::size_t job) const {
    return edges(upstream_, job);
  }
  // Every job reachable downstream of `job` (not `job` itself), each after all of its upstream
  // jobs that are themselves reachable: an order in which they can run.
  [[nodiscard]] std::vector<std::size_t> descendants(std::size_t job) const;
  // A cycle as a path of names that starts and ends with the same job ("a", "b", "a"), or
  // nullopt. Self-references count.
  [[nodiscard]] std::optional<std::vector<std::string>> find_cycle() const;
  // The roots of `job`: the jobs without upstream from which it is reachable (itself if none).
  [[nodiscard]] std::vector<std::size_t> roots(std::size_t job) const;
  [[nodiscard]] std::optional<std::size_t> index(const std::string& name) const;
  [[nodiscard]] std::size_t size() const { return names_.size(); }

 private:
  using Edges = std::unordered_map<std::size_t, std::vector<std::size_t>>;
  static const std::vector<std::size_t>& edges(const Edges& all, std::size_t job);

  std::vector<std::string_view> names_;
  Edges downstream_;
  Edges upstream_;
};

}  // namespace sqlcron::config
