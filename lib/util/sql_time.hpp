// UTC instants as MySQL DATETIME(6) literals for bound parameters, and back.
// Error contract: from_sql_datetime throws std::invalid_argument on text it cannot read.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace sqlcron::util {

// "2026-11-22 10:15:00.123456"
std::string to_sql_datetime(std::chrono::system_clock::time_point t);
// "2026-11-22 10:15:00.123456" (fraction optional) -> instant, read as UTC.
std::chrono::system_clock::time_point from_sql_datetime(std::string_view text);

}  // namespace sqlcron::util
