#include "schedule/cron_expression.hpp"

#include <catch2/catch.hpp>

#include "schedule/schedule_error.hpp"
#include "test_util.hpp"

using sqlcron::schedule::CronExpression;
using sqlcron::schedule::ScheduleError;
using sqlcron::schedule::test::list;
using sqlcron::schedule::test::next_n;

TEST_CASE("cron syntax elements give the expected next fire times", "[schedule]") {
  struct Case {
    const char* expr;
    const char* from;
    std::vector<std::string> expected;
  };
  // 2026-01-01 is a Thursday.
  const Case cases[] = {
      {"* * * * *", "2026-01-01T00:00:30Z",
       list({"2026-01-01T00:01:00+00:00", "2026-01-01T00:02:00+00:00"})},
      {"*/20 * * * *", "2026-01-01T00:50:00Z",
       list({"2026-01-01T01:00:00+00:00", "2026-01-01T01:20:00+00:00"})},
      {"5 4 * * *", "2026-01-01T04:05:00Z",
       list({"2026-01-02T04:05:00+00:00", "2026-01-03T04:05:00+00:00"})},
      {"0 9-17/4 * * *", "2026-01-01T00:00:00Z",
       list({"2026-01-01T09:00:00+00:00", "2026-01-01T13:00:00+00:00", "2026-01-01T17:00:00+00:00",
             "2026-01-02T09:00:00+00:00"})},
      {"0 22/1 * * *", "2026-01-01T21:00:00Z",
       list({"2026-01-01T22:00:00+00:00", "2026-01-01T23:00:00+00:00",
             "2026-01-02T22:00:00+00:00"})},
      {"15,45 1,13 * * *", "2026-01-01T00:00:00Z",
       list({"2026-01-01T01:15:00+00:00", "2026-01-01T01:45:00+00:00",
             "2026-01-01T13:15:00+00:00"})},
      {"0 0 1 jan,Jul *", "2026-01-01T00:00:00Z",
       list({"2026-07-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00"})},
      {"0 0 * * MON-wed", "2026-01-01T00:00:00Z",
       list({"2026-01-05T00:00:00+00:00", "2026-01-06T00:00:00+00:00", "2026-01-07T00:00:00+00:00",
             "2026-01-12T00:00:00+00:00"})},
      {"0 0 * * 7", "2026-01-01T00:00:00Z",
       list({"2026-01-04T00:00:00+00:00", "2026-01-11T00:00:00+00:00"})},
      {"0 0 * * 0", "2026-01-01T00:00:00Z",
       list({"2026-01-04T00:00:00+00:00", "2026-01-11T00:00:00+00:00"})},
      {"0 0 29 2 *", "2026-01-01T00:00:00Z",
       list({"2028-02-29T00:00:00+00:00", "2032-02-29T00:00:00+00:00"})},
      {"0 0 31 * *", "2026-01-31T00:00:00Z",
       list({"2026-03-31T00:00:00+00:00", "2026-05-31T00:00:00+00:00"})},
      // Vixie OR: the 13th or any Friday.
      {"0 0 13 * 5", "2026-01-01T00:00:00Z",
       list({"2026-01-02T00:00:00+00:00", "2026-01-09T00:00:00+00:00", "2026-01-13T00:00:00+00:00",
             "2026-01-16T00:00:00+00:00"})},
      // A day field starting with '*' is unrestricted: AND. Odd-dated Mondays only.
      {"0 0 */2 * 1", "2026-01-01T00:00:00Z",
       list({"2026-01-05T00:00:00+00:00", "2026-01-19T00:00:00+00:00", "2026-02-09T00:00:00+00:00",
             "2026-02-23T00:00:00+00:00"})},
      // Even-numbered weekdays on the 1st only (day-of-week starts with '*').
      {"0 0 1 * */2", "2026-01-01T00:00:00Z",
       list({"2026-02-01T00:00:00+00:00", "2026-03-01T00:00:00+00:00",
             "2026-08-01T00:00:00+00:00"})},
      {"0 0 L * *", "2026-01-31T00:00:00Z",
       list({"2026-02-28T00:00:00+00:00", "2026-03-31T00:00:00+00:00",
             "2026-04-30T00:00:00+00:00"})},
      {"0 0 $ 2 *", "2026-01-01T00:00:00Z",
       list({"2026-02-28T00:00:00+00:00", "2027-02-28T00:00:00+00:00",
             "2028-02-29T00:00:00+00:00"})},
      {"0 12 LW * *", "2026-05-01T00:00:00Z",
       list({"2026-05-29T12:00:00+00:00", "2026-06-30T12:00:00+00:00", "2026-07-31T12:00:00+00:00",
             "2026-08-31T12:00:00+00:00"})},
      {"0 0 15W * *", "2026-02-01T00:00:00Z",
       list({"2026-02-16T00:00:00+00:00", "2026-03-16T00:00:00+00:00",
             "2026-04-15T00:00:00+00:00"})},
      {"0 0 * * 1#1", "2026-01-01T00:00:00Z",
       list({"2026-01-05T00:00:00+00:00", "2026-02-02T00:00:00+00:00"})},
      {"0 0 * * 4#5", "2026-01-01T00:00:00Z",
       list({"2026-01-29T00:00:00+00:00", "2026-04-30T00:00:00+00:00"})},
      {"0 0 * * 5L", "2026-01-01T00:00:00Z",
       list({"2026-01-30T00:00:00+00:00", "2026-02-27T00:00:00+00:00"})},
      {"0 0 * 2 1#5", "2026-01-01T00:00:00Z", list({"2044-02-29T00:00:00+00:00"})},
      // Six fields: leading seconds.
      {"*/20 * * * * *", "2026-01-01T00:00:00Z",
       list({"2026-01-01T00:00:20+00:00", "2026-01-01T00:00:40+00:00",
             "2026-01-01T00:01:00+00:00"})},
      {"30 0 0 * * *", "2026-01-01T00:00:00Z",
       list({"2026-01-01T00:00:30+00:00", "2026-01-02T00:00:30+00:00"})},
      {"@yearly", "2026-01-01T00:00:00Z", list({"2027-01-01T00:00:00+00:00"})},
      {"@annually", "2026-01-01T00:00:00Z", list({"2027-01-01T00:00:00+00:00"})},
      {"@monthly", "2026-01-01T00:00:00Z", list({"2026-02-01T00:00:00+00:00"})},
      {"@weekly", "2026-01-01T00:00:00Z", list({"2026-01-04T00:00:00+00:00"})},
      {"@daily", "2026-01-01T00:00:00Z", list({"2026-01-02T00:00:00+00:00"})},
      {"@MIDNIGHT", "2026-01-01T00:00:00Z", list({"2026-01-02T00:00:00+00:00"})},
      {"@hourly", "2026-01-01T00:00:00Z", list({"2026-01-01T01:00:00+00:00"})},
      {"  0   0  *  *  *  ", "2026-01-01T00:00:00Z", list({"2026-01-02T00:00:00+00:00"})},
  };
  for (const Case& c : cases) {
    INFO(c.expr << " after " << c.from);
    CHECK(next_n(c.expr, "UTC", c.from, static_cast<int>(c.expected.size())) == c.expected);
  }
}

TEST_CASE("cron parse errors name the field and the bad token", "[schedule]") {
  struct Case {
    const char* expr;
    const char* message;
  };
  const Case cases[] = {
      {"0 0 *", "expected 5 or 6 fields, got 3"},
      {"0 0 * *", "expected 5 or 6 fields, got 4"},
      {"0 0 * * * * *", "expected 5 or 6 fields, got 7"},
      {"abc * * * *", "minute: 'abc' is not a number or name"},
      {"61 * * * *", "minute: 61 is out of range 0-59"},
      {"0 24 * * *", "hour: 24 is out of range 0-23"},
      {"0 0 32 * *", "day-of-month: 32 is out of range 1-31"},
      {"0 0 0 * *", "day-of-month: 0 is out of range 1-31"},
      {"0 0 * 13 *", "month: 13 is out of range 1-12"},
      {"0 0 * foo *", "month: 'foo' is not a number or name"},
      {"0 0 * * 8", "day-of-week: 8 is out of range 0-7"},
      {"60 0 0 * * *", "second: 60 is out of range 0-59"},
      {"0 0 1#2 * *", "day-of-month: '1#2' is not a number or name"},
      {"@often", "unknown macro '@often'"},
      {"0 0 30 2 *", "day-of-month: '30' never occurs in month '2'"},
      {"0 0 31 4,6,9,11 *", "day-of-month: '31' never occurs in month '4,6,9,11'"},
      {"0 0 30,31 feb *", "day-of-month: '30,31' never occurs in month 'feb'"},
      {"0 0 31W 4 *", "day-of-month: '31W' never occurs in month '4'"},
      {"0 0 */31 * 1#2",
       "day-of-month: '*/31' and day-of-week: '1#2' never match together in month '*'"},
  };
  for (const Case& c : cases) {
    INFO(c.expr);
    CHECK_THROWS_MATCHES(CronExpression::parse(c.expr), ScheduleError,
                         Catch::Matchers::Message(c.message));
  }
}

TEST_CASE("cron fixed-time classification", "[schedule]") {
  CHECK(CronExpression::parse("0 2 * * *").is_fixed_time());
  CHECK(CronExpression::parse("0,30 1-3 * * *").is_fixed_time());
  CHECK_FALSE(CronExpression::parse("*/15 * * * *").is_fixed_time());
  CHECK_FALSE(CronExpression::parse("0 * * * *").is_fixed_time());
  CHECK_FALSE(CronExpression::parse("*/5 2 * * *").is_fixed_time());
  CHECK_FALSE(CronExpression::parse("* 0 2 * * *").is_fixed_time());
  CHECK(CronExpression::parse("0 0 2 * * *").is_fixed_time());
}

TEST_CASE("cron canonical form", "[schedule]") {
  CHECK(CronExpression::parse("@daily").canonical() == "0 0 0 * * *");
  CHECK(CronExpression::parse(" 5  4 * * sun").canonical() == "0 5 4 * * sun");
  CHECK(CronExpression::parse("1 2 3 4 5 6").canonical() == "1 2 3 4 5 6");
}
