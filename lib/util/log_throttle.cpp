#include "util/log_throttle.hpp"

namespace sqlcron::util {

std::optional<std::uint64_t> LogThrottle::allow(Clock::time_point now) {
  if (last_ && now - *last_ < period_) {
    ++held_back_;
    return std::nullopt;
  }
  last_ = now;
  const auto held = held_back_;
  held_back_ = 0;
  return held;
}

}  // namespace sqlcron::util
