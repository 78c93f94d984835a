// The scheduler's timings, shared by its source files. Internal to lib/core.
#pragma once

#include <date/date.h>

#include <chrono>
#include <cstddef>
#include <string>

#include "schedule/schedule.hpp"
#include "schedule/time_format.hpp"

namespace sqlcron::core::timing {

// The longest the loop sleeps, so that a wall-clock change is noticed within this time.
constexpr std::chrono::seconds kMaxSleep{30};
// A difference between wall-clock and monotonic progress beyond this is a clock change.
constexpr std::chrono::seconds kClockJump{2};
// Slots are decided and claimed this long before their instant, and their SQL waits for the
// instant itself: the claim's round trips and commit (about 0.5 ms) are then off the fire path,
// so the SQL starts within a fraction of a millisecond of the second, as an event's does.
constexpr std::chrono::milliseconds kLead{3};
// Many slots due together take a while to claim (~30 us of server time each): the loop wakes
// earlier by this much per slot of its previous pass, up to kMaxLead, so that the claims are
// mostly done when the instant comes instead of competing with the runs for the CPU.
constexpr std::chrono::microseconds kLeadPerSlot{30};
constexpr std::chrono::milliseconds kMaxLead{50};
// How often a run that waits for another daemon's run of its job tries the overlap lease again.
constexpr std::chrono::milliseconds kTurnPoll{500};
// Chain steps remembered for de-duplication; older ones are forgotten beyond this many.
constexpr std::size_t kChainMemory = 10000;

inline std::string when(schedule::Instant t) { return schedule::format_utc(t); }

template <typename D>
double seconds_of(D d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace sqlcron::core::timing
