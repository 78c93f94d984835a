// MysqlEventParser: parses the MySQL-event style schedules and "@every":
//   [ON SCHEDULE] EVERY <quantity> <unit> [STARTS <time>] [ENDS <time>]
//   [ON SCHEDULE] AT <time>
//   @every <duration> [STARTS <time>] [ENDS <time>]
// where <time> is 'YYYY-MM-DD HH:MM:SS' (quotes optional) in the schedule's zone, optionally
// followed by "+ INTERVAL <quantity> <unit>" terms; keywords and units in any case.
// EVERY counts from STARTS, or without it from `defined_at` (MySQL: from CREATE EVENT).
// Error contract: parse() throws ScheduleError naming the clause and the bad token.
#pragma once

#include <date/tz.h>

#include <memory>
#include <string_view>

#include "schedule/schedule_impl.hpp"

namespace sqlcron::schedule {

class MysqlEventParser {
 public:
  // True if `text` starts with a keyword this parser handles (every, at, on, @every).
  static bool handles(std::string_view text);

  static std::shared_ptr<const ScheduleImpl> parse(std::string_view text,
                                                   const date::time_zone* zone, Instant defined_at);
};

}  // namespace sqlcron::schedule
