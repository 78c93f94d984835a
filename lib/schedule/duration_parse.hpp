// parse_every_duration: the duration of "@every <duration>", Go-style: one or more
// <number><unit> parts with units d, h, m, s (e.g. "90s", "15m", "1h30m", "1d12h").
// Error contract: throws ScheduleError "@every: …" quoting the bad text; the result is always a
// whole, positive number of seconds no longer than 100 years.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace sqlcron::schedule {

std::chrono::seconds parse_every_duration(std::string_view text);

// The inverse, in the same notation ("1h30m"); `d` must be positive.
std::string format_every_duration(std::chrono::seconds d);

}  // namespace sqlcron::schedule
