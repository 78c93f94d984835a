// Local date-times as written in MySQL-event style schedules: 'YYYY-MM-DD HH:MM:SS' (also
// 'YYYY-MM-DD HH:MM' and 'YYYY-MM-DD', meaning 00:00:00), wall-clock time with no zone.
// Error contract: parse_local_datetime throws ScheduleError "<what>: …" quoting the text.
#pragma once

#include <string>
#include <string_view>

#include "schedule/zone_timeline.hpp"

namespace sqlcron::schedule {

// `what` names the clause in messages ("starts", "at"…).
LocalSeconds parse_local_datetime(std::string_view text, std::string_view what);

// 'YYYY-MM-DD HH:MM:SS' without quotes.
std::string format_local_datetime(LocalSeconds t);

}  // namespace sqlcron::schedule
