#include "core/retry_policy.hpp"

#include <algorithm>
#include <array>

#include "util/mysql_error_codes.hpp"

namespace sqlcron::core {

bool is_transient(int code) {
  namespace c = util::mysql_code;
  static constexpr std::array<int, 16> kTransient{
      c::kTooManyConnections, c::kWsrepNotReady, c::kServerShutdown,   c::kTooManyUserConnections,
      c::kLockWaitTimeout,    c::kLockTableFull, c::kDeadlock,         c::kReadOnly,
      c::kXaRollbackDeadlock, c::kReadOnlyMode,  c::kConnectionKilled, c::kCannotConnect,
      c::kCannotReachHost,    c::kServerGone,    c::kServerLost,       c::kServerLostExtended};
  return std::find(kTransient.begin(), kTransient.end(), code) != kTransient.end();
}

bool retry_matches(const RunOutcome& outcome, const config::RetryOn& on) {
  if (outcome.status == RunStatus::timed_out) return on.timeout;
  if (outcome.status != RunStatus::failed) return false;
  if (on.transient && is_transient(outcome.error_code)) return true;
  const auto& codes = on.error_codes;
  if (outcome.error_code != 0 &&
      std::find(codes.begin(), codes.end(), outcome.error_code) != codes.end()) {
    return true;
  }
  const auto& states = on.sql_states;
  return !outcome.sql_state.empty() &&
         std::find(states.begin(), states.end(), outcome.sql_state) != states.end();
}

bool retried(const RunOutcome& outcome, int tries, const RetryPolicy& policy) {
  return tries < policy.attempts && retry_matches(outcome, policy.on);
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
