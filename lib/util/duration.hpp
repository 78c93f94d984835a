// Durations as users write them in the config: "90s", "15m", "2h", "1d", "500ms", "1h30m".
// Error contract: parse_duration throws std::invalid_argument with a user-facing message.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace sqlcron::util {

std::chrono::milliseconds parse_duration(std::string_view text);

// The shortest exact rendering: 90000ms -> "1m30s".
std::string format_duration(std::chrono::milliseconds d);

}  // namespace sqlcron::util
