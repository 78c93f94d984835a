// DayOfMonthField: the day-of-month cron field: plain values/ranges/steps plus the extensions
// `L` (or `$`, last day of the month), `LW` (last weekday of the month) and `nW` (the weekday
// nearest to day n, never leaving the month). Evaluated per month as a bit mask of days.
// Error contract: parse() throws ScheduleError "day-of-month: …" naming the bad token.
#pragma once

#include <cstdint>
#include <string_view>

#include "schedule/cron_field.hpp"

namespace sqlcron::schedule {

class DayOfMonthField {
 public:
  static DayOfMonthField parse(std::string_view text);
  static DayOfMonthField any();

  // Bit d set if day d (1..length) matches, for a month of `length` days whose first day has
  // weekday `first_weekday` (0 = Sunday).
  [[nodiscard]] std::uint32_t mask(unsigned length, unsigned first_weekday) const;

  [[nodiscard]] bool starts_with_star() const { return star_; }

 private:
  std::uint32_t days_ = 0;     // plain days, bit d = day d
  std::uint32_t nearest_ = 0;  // nW, bit n
  bool last_day_ = false;      // L / $
  bool last_weekday_ = false;  // LW
  bool star_ = false;
};

}  // namespace sqlcron::schedule
