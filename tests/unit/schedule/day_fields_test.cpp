#include <catch2/catch.hpp>

#include "schedule/day_of_month_field.hpp"
#include "schedule/day_of_week_field.hpp"
#include "schedule/schedule_error.hpp"

using sqlcron::schedule::DayOfMonthField;
using sqlcron::schedule::DayOfWeekField;
using sqlcron::schedule::ScheduleError;

namespace {

std::uint32_t days(std::initializer_list<unsigned> list) {
  std::uint32_t b = 0;
  for (const unsigned d : list) {
    b |= std::uint32_t{1} << d;
  }
  return b;
}

// Months used below: 2026-02 (28 days, starts Sunday), 2026-05 (31 days, starts Friday),
// 2026-08 (31 days, starts Saturday), 2026-11 (30 days, starts Sunday).
constexpr unsigned kSun = 0;
constexpr unsigned kFri = 5;
constexpr unsigned kSat = 6;

}  // namespace

TEST_CASE("day-of-month extensions", "[schedule]") {
  struct Case {
    const char* text;
    unsigned length;
    unsigned first_weekday;
    std::uint32_t expected;
  };
  const Case cases[] = {
      {"L", 28, kSun, days({28})},
      {"$", 31, kFri, days({31})},
      {"l", 30, kSun, days({30})},
      {"LW", 31, kFri, days({29})},   // May 2026: 31st is Sunday -> Friday 29th
      {"LW", 31, kSat, days({31})},   // Aug 2026: 31st is Monday
      {"LW", 30, kSun, days({30})},   // Nov 2026: 30th is Monday
      {"15W", 28, kSun, days({16})},  // Feb 15 2026 is Sunday -> Monday 16th
      {"1W", 31, kSat, days({3})},    // Aug 1 2026 is Saturday -> Monday 3rd
      {"30W", 31, kSat, days({31})},  // Aug 30 2026 is Sunday -> Monday 31st
      {"31W", 31, kFri, days({29})},  // May 31 2026 is Sunday, last day -> Friday 29th
      {"31W", 30, kSun, 0},           // no 31st in November
      {"9W", 31, kFri, days({8})},    // May 9 2026 is Saturday -> Friday 8th
      {"1,15,L", 28, kSun, days({1, 15, 28})},
      {"31", 30, kSun, 0},
      {"*/10", 31, kFri, days({1, 11, 21, 31})},
  };
  for (const Case& c : cases) {
    INFO(c.text << " in a " << c.length << "-day month");
    CHECK(DayOfMonthField::parse(c.text).mask(c.length, c.first_weekday) == c.expected);
  }
}

TEST_CASE("day-of-week values and extensions", "[schedule]") {
  struct Case {
    const char* text;
    unsigned length;
    unsigned first_weekday;
    std::uint32_t expected;
  };
  const Case cases[] = {
      {"0", 28, kSun, days({1, 8, 15, 22})},
      {"7", 28, kSun, days({1, 8, 15, 22})},
      {"sun", 28, kSun, days({1, 8, 15, 22})},
      {"MON", 31, kFri, days({4, 11, 18, 25})},
      {"Fri-Sun", 31, kFri, days({1, 2, 3, 8, 9, 10, 15, 16, 17, 22, 23, 24, 29, 30, 31})},
      {"5-7", 31, kFri, days({1, 2, 3, 8, 9, 10, 15, 16, 17, 22, 23, 24, 29, 30, 31})},
      {"1#1", 31, kFri, days({4})},
      {"mon#2", 31, kFri, days({11})},
      {"5#5", 31, kFri, days({29})},
      {"1#5", 31, kFri, 0},
      {"5L", 31, kFri, days({29})},
      {"0L", 31, kFri, days({31})},
      {"friL", 28, kSun, days({27})},
      {"1#2,3#2", 30, kSun, days({9, 11})},
      {"*/2", 28, kSun, days({1, 3, 5, 7, 8, 10, 12, 14, 15, 17, 19, 21, 22, 24, 26, 28})},
  };
  for (const Case& c : cases) {
    INFO(c.text << " in a " << c.length << "-day month starting on weekday " << c.first_weekday);
    CHECK(DayOfWeekField::parse(c.text).mask(c.length, c.first_weekday) == c.expected);
  }
}

TEST_CASE("day field errors", "[schedule]") {
  CHECK_THROWS_MATCHES(DayOfMonthField::parse("32"), ScheduleError,
                       Catch::Matchers::Message("day-of-month: 32 is out of range 1-31"));
  CHECK_THROWS_MATCHES(DayOfMonthField::parse("0"), ScheduleError,
                       Catch::Matchers::Message("day-of-month: 0 is out of range 1-31"));
  CHECK_THROWS_MATCHES(DayOfMonthField::parse("32W"), ScheduleError,
                       Catch::Matchers::Message("day-of-month: 32 is out of range 1-31"));
  CHECK_THROWS_MATCHES(DayOfMonthField::parse("xW"), ScheduleError,
                       Catch::Matchers::Message("day-of-month: 'x' is not a number or name"));
  CHECK_THROWS_MATCHES(DayOfWeekField::parse("8"), ScheduleError,
                       Catch::Matchers::Message("day-of-week: 8 is out of range 0-7"));
  CHECK_THROWS_MATCHES(
      DayOfWeekField::parse("1#6"), ScheduleError,
      Catch::Matchers::Message("day-of-week: '6' in '1#6' is not an occurrence 1-5"));
  CHECK_THROWS_MATCHES(
      DayOfWeekField::parse("1#"), ScheduleError,
      Catch::Matchers::Message("day-of-week: '' in '1#' is not an occurrence 1-5"));
  CHECK_THROWS_MATCHES(DayOfWeekField::parse("funday"), ScheduleError,
                       Catch::Matchers::Message("day-of-week: 'funday' is not a number or name"));
  CHECK_THROWS_MATCHES(DayOfWeekField::parse("L"), ScheduleError,
                       Catch::Matchers::Message("day-of-week: 'L' is not a number or name"));
}
