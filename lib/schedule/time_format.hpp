// RFC 3339 formatting and parsing of instants, and IANA zone lookup.
// Error contract: parse_rfc3339 and find_zone throw std::invalid_argument with a user-facing
// message on bad input.
#pragma once

#include <date/tz.h>

#include <string>
#include <string_view>

#include "schedule/schedule.hpp"

namespace sqlcron::schedule {

// "2026-03-08T03:00:00-04:00" (local time in `zone` with its UTC offset; "Z" is never used).
std::string format_rfc3339(Instant t, const date::time_zone* zone);

// "2026-03-08T08:00:00Z": the instant in UTC, as log lines and messages show it.
std::string format_utc(Instant t);

// Accepts "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)"; 'T' may be a space.
Instant parse_rfc3339(std::string_view text);

// The IANA zone called `name`; throws std::invalid_argument("unknown time zone 'X'").
const date::time_zone* find_zone(std::string_view name);

}  // namespace sqlcron::schedule
