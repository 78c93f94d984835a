#include "core/chain_readiness.hpp"

#include <algorithm>

namespace sqlcron::core {

std::vector<std::string> missing_upstream(const std::vector<std::string>& upstream,
                                          const std::vector<std::string>& succeeded) {
  std::vector<std::string> missing;
  for (const auto& u : upstream) {
    if (std::find(succeeded.begin(), succeeded.end(), u) == succeeded.end()) missing.push_back(u);
  }
  return missing;
}

std::string upstream_failed(const std::string& job, std::string_view status, std::int64_t run_id) {
  return "upstream " + job + " " + std::string(status) + " (run " + std::to_string(run_id) + ")";
}

std::string upstream_skipped(const std::string& job, const std::string& why) {
  return "upstream " + job + " was skipped (" + why + ")";
}

std::string upstream_missing(const std::vector<std::string>& jobs) {
  std::string names;
  for (const auto& j : jobs) names += (names.empty() ? "" : ", ") + j;
  return "upstream " + names + " did not succeed for this slot";
}

}  // namespace sqlcron::core
