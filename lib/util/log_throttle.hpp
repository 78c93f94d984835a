// LogThrottle: lets an event be logged at most once per period and counts the ones held back in
// between, so that a flood of one warning (a client opening connections in a loop) becomes one
// line per period that says how many more there were. Pure: the caller passes the time.
//
// Error contract: nothing throws. Not thread-safe (one owner, e.g. the event loop).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace sqlcron::util {

class LogThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LogThrottle(Clock::duration period) : period_(period) {}

  // An event at `now`: how many events were held back since the last one let through, if this
  // one is to be logged; nullopt if it is held back too.
  std::optional<std::uint64_t> allow(Clock::time_point now);

 private:
  Clock::duration period_;
  std::optional<Clock::time_point> last_;
  std::uint64_t held_back_ = 0;
};

}  // namespace sqlcron::util
