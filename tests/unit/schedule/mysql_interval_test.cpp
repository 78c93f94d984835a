#include "schedule/mysql_interval.hpp"

#include <catch2/catch.hpp>

#include "schedule/local_datetime.hpp"
#include "schedule/schedule_error.hpp"

using sqlcron::schedule::format_local_datetime;
using sqlcron::schedule::MysqlInterval;
using sqlcron::schedule::parse_local_datetime;
using sqlcron::schedule::ScheduleError;

TEST_CASE("every MySQL interval unit parses, adds and round-trips", "[schedule]") {
  struct Case {
    const char* quantity;
    const char* unit;
    std::int64_t months;
    std::int64_t seconds;
    const char* canonical;
    const char* plus_once;  // from 2026-01-31 10:00:00
  };
  const Case cases[] = {
      {"90", "SECOND", 0, 90, "90 SECOND", "2026-01-31 10:01:30"},
      {"15", "minute", 0, 900, "15 MINUTE", "2026-01-31 10:15:00"},
      {"'2'", "Hour", 0, 7200, "2 HOUR", "2026-01-31 12:00:00"},
      {"1", "DAY", 0, 86400, "1 DAY", "2026-02-01 10:00:00"},
      {"2", "WEEK", 0, 1209600, "2 WEEK", "2026-02-14 10:00:00"},
      {"1", "MONTH", 1, 0, "1 MONTH", "2026-02-28 10:00:00"},
      {"1", "QUARTER", 3, 0, "1 QUARTER", "2026-04-30 10:00:00"},
      {"1", "YEAR", 12, 0, "1 YEAR", "2027-01-31 10:00:00"},
      {"1 12", "DAY_HOUR", 0, 129600, "'1 12' DAY_HOUR", "2026-02-01 22:00:00"},
      {"1 2:30", "DAY_MINUTE", 0, 95400, "'1 2:30' DAY_MINUTE", "2026-02-01 12:30:00"},
      {"1 0:0:5", "DAY_SECOND", 0, 86405, "'1 0:0:5' DAY_SECOND", "2026-02-01 10:00:05"},
      {"2:30", "HOUR_MINUTE", 0, 9000, "'2:30' HOUR_MINUTE", "2026-01-31 12:30:00"},
      {"1:00:30", "HOUR_SECOND", 0, 3630, "'1:0:30' HOUR_SECOND", "2026-01-31 11:00:30"},
      {"5:30", "MINUTE_SECOND", 0, 330, "'5:30' MINUTE_SECOND", "2026-01-31 10:05:30"},
      {"1-1", "YEAR_MONTH", 13, 0, "'1-1' YEAR_MONTH", "2027-02-28 10:00:00"},
      // Fewer parts fill the rightmost units, as in MySQL.
      {"5", "DAY_HOUR", 0, 18000, "'0 5' DAY_HOUR", "2026-01-31 15:00:00"},
  };
  const auto start = parse_local_datetime("2026-01-31 10:00:00", "test");
  for (const Case& c : cases) {
    INFO(c.quantity << " " << c.unit);
    std::string_view q = c.quantity;
    if (q.front() == '\'') {
      q = q.substr(1, q.size() - 2);
    }
    const MysqlInterval i = MysqlInterval::parse(q, c.unit, "every");
    CHECK(i.months() == c.months);
    CHECK(i.seconds() == c.seconds);
    CHECK(i.describe() == c.canonical);
    CHECK(format_local_datetime(i.add_to(start, 1)) == c.plus_once);
    // Round trip: the canonical text parses to the same interval.
    const std::string canonical = i.describe();
    const std::size_t space = canonical.rfind(' ');
    std::string quantity = canonical.substr(0, space);
    if (quantity.front() == '\'') {
      quantity = quantity.substr(1, quantity.size() - 2);
    }
    const MysqlInterval again =
        MysqlInterval::parse(quantity, canonical.substr(space + 1), "every");
    CHECK(again.months() == i.months());
    CHECK(again.seconds() == i.seconds());
    CHECK(again.describe() == canonical);
  }
}

TEST_CASE("MONTH steps clamp like DATE_ADD and count from the anchor", "[schedule]") {
  const MysqlInterval month = MysqlInterval::parse("1", "MONTH", "every");
  const auto jan31 = parse_local_datetime("2028-01-31 08:00:00", "test");
  CHECK(format_local_datetime(month.add_to(jan31, 1)) == "2028-02-29 08:00:00");
  CHECK(format_local_datetime(month.add_to(jan31, 2)) == "2028-03-31 08:00:00");
  CHECK(format_local_datetime(month.add_to(jan31, 3)) == "2028-04-30 08:00:00");
  CHECK(format_local_datetime(month.add_to(jan31, 13)) == "2029-02-28 08:00:00");
}

TEST_CASE("MySQL interval errors", "[schedule]") {
  struct Case {
    const char* quantity;
    const char* unit;
    const char* message;
  };
  const Case cases[] = {
      {"2", "FORTNIGHT",
       "every: unknown unit 'FORTNIGHT' (expected SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, "
       "QUARTER, YEAR, DAY_HOUR, DAY_MINUTE, DAY_SECOND, HOUR_MINUTE, HOUR_SECOND, MINUTE_SECOND "
       "or YEAR_MONTH)"},
      {"1.5", "HOUR", "every: '1.5' is not a positive whole number of HOUR"},
      {"-1", "DAY", "every: '-1' is not a positive whole number of DAY"},
      {"0", "MINUTE", "every: '0' must be greater than zero"},
      {"x", "MINUTE", "every: 'x' is not a positive whole number of MINUTE"},
      {"1 2 3", "DAY_HOUR", "every: '1 2 3' has too many parts for DAY_HOUR (expected 'D H')"},
      {"", "DAY_HOUR", "every: '' is not a number"},
      {"2000", "YEAR", "every: '2000' is too large (at most 100 years)"},
  };
  for (const Case& c : cases) {
    INFO(c.quantity << " " << c.unit);
    CHECK_THROWS_MATCHES(MysqlInterval::parse(c.quantity, c.unit, "every"), ScheduleError,
                         Catch::Matchers::Message(c.message));
  }
}
