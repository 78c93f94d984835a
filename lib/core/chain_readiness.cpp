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

}  // namespace sqlcron::core
