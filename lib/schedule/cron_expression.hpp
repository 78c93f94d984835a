// CronExpression: a parsed Vixie-style cron expression (5 fields, or 6 with leading seconds;
// macros @yearly @annually @monthly @weekly @daily @midnight @hourly), evaluated on the naive
// local wall-clock timeline (no zone): next_local() finds the first matching local second at or
// after a given one by skipping month → day → hour → minute → second with bit sets, never by
// iterating seconds.
// Error contract: parse() throws ScheduleError naming the field and bad token, including for
// expressions that can never fire ("day-of-month: '30' never occurs in month '2'").
// next_local() never throws; it gives up (nullopt) after `max_year`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "schedule/cron_field.hpp"
#include "schedule/day_of_month_field.hpp"
#include "schedule/day_of_week_field.hpp"
#include "schedule/zone_timeline.hpp"

namespace sqlcron::schedule {

class CronExpression {
 public:
  static CronExpression parse(std::string_view text);

  // First matching local time >= from, or nullopt if none up to the end of `max_year`.
  [[nodiscard]] std::optional<LocalSeconds> next_local(LocalSeconds from, int max_year) const;

  // Whether local time `t` matches (used by tests as a cross-check).
  [[nodiscard]] bool matches(LocalSeconds t) const;

  // Fixed-time: none of second/minute/hour starts with '*'. Such a job fires once per matching
  // local time even across DST changes; the others follow real time.
  [[nodiscard]] bool is_fixed_time() const { return fixed_time_; }

  // The expression as six space-separated fields (macros expanded, seconds made explicit).
  [[nodiscard]] const std::string& canonical() const { return canonical_; }

  // Bit d set if day d of month y/m matches (Vixie OR/AND rule applied).
  [[nodiscard]] std::uint32_t day_mask(int year, unsigned month) const;

 private:
  [[nodiscard]] std::uint32_t day_mask(unsigned length, unsigned first_weekday) const;
  [[nodiscard]] std::optional<int> next_time_of_day(int hour, int minute, int second) const;
  [[nodiscard]] bool can_ever_fire() const;

  CronField seconds_;
  CronField minutes_;
  CronField hours_;
  DayOfMonthField days_of_month_;
  CronField months_;
  DayOfWeekField days_of_week_;
  bool and_days_ = false;  // a day field starts with '*': both must match (Vixie)
  bool fixed_time_ = true;
  std::string canonical_;
};

}  // namespace sqlcron::schedule
