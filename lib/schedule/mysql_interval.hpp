// MysqlInterval: a MySQL `INTERVAL expr unit` quantity, for MySQL-event style schedules. Units
// (any case): SECOND MINUTE HOUR DAY WEEK MONTH QUARTER YEAR and the compound DAY_HOUR ('D H'),
// DAY_MINUTE ('D H:M'), DAY_SECOND ('D H:M:S'), HOUR_MINUTE ('H:M'), HOUR_SECOND ('H:M:S'),
// MINUTE_SECOND ('M:S'), YEAR_MONTH ('Y-M'). As in MySQL, a compound value with fewer parts
// fills the rightmost units ('5' DAY_HOUR is 5 hours) and any non-digit separates parts.
// An interval is either a number of calendar months or a number of seconds, never both.
// Error contract: parse() throws ScheduleError "<clause>: …" quoting the bad quantity or unit;
// the result is positive and at most 100 years.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "schedule/zone_timeline.hpp"

namespace sqlcron::schedule {

class MysqlInterval {
 public:
  // `clause` names the clause in messages ("every", "interval").
  static MysqlInterval parse(std::string_view quantity, std::string_view unit,
                             std::string_view clause);

  [[nodiscard]] std::int64_t months() const { return months_; }
  [[nodiscard]] std::int64_t seconds() const { return seconds_; }
  // DAY and WEEK: stepped on the local calendar like months (a daily job keeps its wall-clock
  // time across DST, as in MySQL); all other second-based units are real elapsed time.
  [[nodiscard]] bool calendar_days() const { return calendar_days_; }

  // Wall-clock arithmetic like MySQL DATE_ADD: `times` months are added with the day clamped to
  // the end of the month (Jan 31 + 1 MONTH = Feb 28/29), seconds on the local timeline.
  [[nodiscard]] LocalSeconds add_to(LocalSeconds t, std::int64_t times) const;

  // Canonical text, e.g. "2 HOUR" or "'1 12' DAY_HOUR".
  [[nodiscard]] std::string describe() const;

 private:
  std::int64_t months_ = 0;
  std::int64_t seconds_ = 0;
  bool calendar_days_ = false;
  std::string unit_;                // upper case
  std::string canonical_quantity_;  // as printed by describe()
};

}  // namespace sqlcron::schedule
