// DayOfWeekField: the day-of-week cron field (0-7, 0 and 7 both Sunday, names SUN-SAT in any
// case): plain values/ranges/steps plus `d#n` (the n-th weekday d of the month, n = 1..5) and
// `dL` (the last weekday d of the month). Evaluated per month as a bit mask of days.
// Error contract: parse() throws ScheduleError "day-of-week: …" naming the bad token.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "schedule/cron_field.hpp"

namespace sqlcron::schedule {

class DayOfWeekField {
 public:
  static DayOfWeekField parse(std::string_view text);
  static DayOfWeekField any();

  // Bit d set if day d (1..length) matches, for a month of `length` days whose first day has
  // weekday `first_weekday` (0 = Sunday).
  [[nodiscard]] std::uint32_t mask(unsigned length, unsigned first_weekday) const;

  [[nodiscard]] bool starts_with_star() const { return star_; }

 private:
  std::uint8_t weekdays_ = 0;          // bit w = weekday w (0 = Sunday)
  std::uint8_t last_ = 0;              // dL, bit w
  std::array<std::uint8_t, 7> nth_{};  // d#n: nth_[d] bit n-1
  bool has_special_ = false;
  bool star_ = false;
};

}  // namespace sqlcron::schedule
