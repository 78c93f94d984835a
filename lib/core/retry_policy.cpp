#include "core/retry_policy.hpp"

#include <algorithm>
#include <array>

namespace sqlcron::core {

bool is_transient(int code) {
  static constexpr std::array<int, 16> kTransient{1040, 1047, 1053, 1203, 1205, 1206, 1213, 1290,
                                                  1614, 1836, 1927, 2002, 2003, 2006, 2013, 2055};
  return std::find(kTransient.begin(), kTransient.end(), code) != kTransient.end();
}

std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int next_attempt,
                                      double unit_random) {
  using std::chrono::milliseconds;
  const int doublings = std::clamp(next_attempt - 2, 0, 40);
  auto delay = policy.backoff;
  for (int i = 0; i < doublings && delay < policy.max_backoff; ++i) delay *= 2;
  delay = std::min(delay, policy.max_backoff);
  const double jitter = 0.5 + 0.5 * std::clamp(unit_random, 0.0, 1.0);
  return milliseconds(static_cast<milliseconds::rep>(static_cast<double>(delay.count()) * jitter));
}

}  // namespace sqlcron::core
