#include "time_argument.hpp"

#include <stdexcept>
#include <string>

#include "schedule/time_format.hpp"
#include "util/duration.hpp"
#include "util/sql_time.hpp"

namespace sqlcron::daemon {

std::chrono::system_clock::time_point parse_time_argument(
    std::string_view text, std::chrono::system_clock::time_point now) {
  try {
    return now - util::parse_duration(text);
  } catch (const std::invalid_argument&) {  // not an age
  }
  try {
    return schedule::parse_rfc3339(text);
  } catch (const std::invalid_argument&) {  // not RFC 3339
  }
  try {
    if (text.size() == 10) return util::from_sql_datetime(std::string(text) + " 00:00:00");
    return util::from_sql_datetime(text);
  } catch (const std::invalid_argument&) {  // nothing matched
  }
  throw std::invalid_argument("'" + std::string(text) +
                              "' is not a time: expected an age (90m, 2h, 7d), an RFC 3339 "
                              "instant (2026-11-22T08:00:00Z) or YYYY-MM-DD[ HH:MM:SS] (UTC)");
}

}  // namespace sqlcron::daemon
