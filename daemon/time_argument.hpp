// Reads the --since / --until arguments of `sqlcrond runs`: an age ("90m", "2h", "7d" = that long
// ago), an RFC 3339 instant, or "YYYY-MM-DD[ HH:MM:SS]" in UTC.
// Error contract: throws std::invalid_argument saying what is accepted.
#pragma once

#include <chrono>
#include <string_view>

namespace sqlcron::daemon {

std::chrono::system_clock::time_point parse_time_argument(
    std::string_view text, std::chrono::system_clock::time_point now);

}  // namespace sqlcron::daemon
