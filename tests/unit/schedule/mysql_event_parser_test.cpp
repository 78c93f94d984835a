#include "schedule/mysql_event_parser.hpp"

#include <catch2/catch.hpp>

#include "schedule/schedule_error.hpp"
#include "test_util.hpp"

using sqlcron::schedule::find_zone;
using sqlcron::schedule::Instant;
using sqlcron::schedule::Schedule;
using sqlcron::schedule::ScheduleError;
using sqlcron::schedule::test::at;
using sqlcron::schedule::test::list;
using sqlcron::schedule::test::next_n;

TEST_CASE("every ... starts ... ends: boundaries", "[schedule]") {
  const char* expr = "every 1 hour starts '2026-05-01 10:00:00' ends '2026-05-01 12:00:00'";
  // Before STARTS: the first fire is STARTS itself.
  CHECK(next_n(expr, "UTC", "2026-04-01T00:00:00Z", 4) ==
        list({"2026-05-01T10:00:00+00:00", "2026-05-01T11:00:00+00:00", "2026-05-01T12:00:00+00:00",
              "none"}));
  // Exactly at STARTS: the next one.
  CHECK(next_n(expr, "UTC", "2026-05-01T10:00:00Z", 1) == list({"2026-05-01T11:00:00+00:00"}));
  CHECK(next_n(expr, "UTC", "2026-05-01T10:59:59Z", 1) == list({"2026-05-01T11:00:00+00:00"}));
  // ENDS is inclusive; after it nothing.
  CHECK(next_n(expr, "UTC", "2026-05-01T11:59:59Z", 2) ==
        list({"2026-05-01T12:00:00+00:00", "none"}));
  CHECK(next_n(expr, "UTC", "2026-05-01T12:00:00Z", 1) == list({"none"}));
  // STARTS == ENDS fires once.
  CHECK(next_n("every 5 minute starts '2026-05-01 10:00:00' ends '2026-05-01 10:00:00'", "UTC",
               "2026-01-01T00:00:00Z", 2) == list({"2026-05-01T10:00:00+00:00", "none"}));
}

TEST_CASE("every without starts counts from defined_at", "[schedule]") {
  // defined_at 2026-05-01T10:17:00Z: fires at defined_at + k * 2h.
  CHECK(next_n("every 2 hour", "UTC", "2026-05-01T10:17:00Z", 2, "2026-05-01T10:17:00Z") ==
        list({"2026-05-01T12:17:00+00:00", "2026-05-01T14:17:00+00:00"}));
  CHECK(next_n("every 2 hour", "UTC", "2026-05-02T00:00:00Z", 1, "2026-05-01T10:17:00Z") ==
        list({"2026-05-02T00:17:00+00:00"}));
  // defined_at itself is a fire time (asked from before it).
  CHECK(next_n("every 2 hour", "UTC", "2026-05-01T10:00:00Z", 1, "2026-05-01T10:17:00Z") ==
        list({"2026-05-01T10:17:00+00:00"}));
  CHECK(next_n("@every 90s", "UTC", "2026-05-01T10:17:00Z", 2, "2026-05-01T10:17:00Z") ==
        list({"2026-05-01T10:18:30+00:00", "2026-05-01T10:20:00+00:00"}));
  CHECK(next_n("@every 1h30m", "UTC", "2026-05-01T10:17:00Z", 1, "2026-05-01T10:17:00Z") ==
        list({"2026-05-01T11:47:00+00:00"}));
  CHECK(
      next_n("every 1 month", "Europe/London", "2026-01-31T09:00:00Z", 2, "2026-01-31T09:00:00Z") ==
      list({"2026-02-28T09:00:00+00:00", "2026-03-31T09:00:00+01:00"}));
}

TEST_CASE("every: calendar units keep the local time across DST", "[schedule]") {
  // Days and months step the local calendar like MySQL; hours are real elapsed time.
  CHECK(next_n("every 1 day starts '2026-03-07 02:30:00'", "America/New_York",
               "2026-03-07T00:00:00-05:00",
               3) == list({"2026-03-07T02:30:00-05:00", "2026-03-08T03:00:00-04:00",
                           "2026-03-09T02:30:00-04:00"}));
  CHECK(next_n("every 1 week starts '2026-10-25 01:30:00'", "America/New_York",
               "2026-10-25T00:00:00-04:00",
               2) == list({"2026-10-25T01:30:00-04:00", "2026-11-01T01:30:00-04:00"}));
  CHECK(next_n("every 24 hour starts '2026-03-07 12:00:00'", "America/New_York",
               "2026-03-07T12:00:00-05:00", 1) == list({"2026-03-08T13:00:00-04:00"}));
  CHECK(next_n("every '1 12' day_hour starts '2026-03-07 00:00:00'", "America/New_York",
               "2026-03-07T00:00:00-05:00", 1) == list({"2026-03-08T13:00:00-04:00"}));
  CHECK(next_n("EVERY 1 QUARTER STARTS '2026-01-31 08:00:00'", "UTC", "2026-02-01T00:00:00Z", 3) ==
        list({"2026-04-30T08:00:00+00:00", "2026-07-31T08:00:00+00:00",
              "2026-10-31T08:00:00+00:00"}));
  CHECK(next_n("every '1-6' year_month starts '2026-01-15 00:00:00'", "UTC", "2026-01-15T00:00:00Z",
               2) == list({"2027-07-15T00:00:00+00:00", "2029-01-15T00:00:00+00:00"}));
  CHECK(next_n("every 1 year starts '2028-02-29 00:00:00'", "UTC", "2028-03-01T00:00:00Z", 4) ==
        list({"2029-02-28T00:00:00+00:00", "2030-02-28T00:00:00+00:00", "2031-02-28T00:00:00+00:00",
              "2032-02-29T00:00:00+00:00"}));
  // Far from the anchor the estimate still lands on the right step.
  CHECK(next_n("every 1 month starts '2026-01-31 08:00:00'", "UTC", "2036-02-28T08:00:00Z", 2) ==
        list({"2036-02-29T08:00:00+00:00", "2036-03-31T08:00:00+00:00"}));
}

TEST_CASE("at T fires once", "[schedule]") {
  CHECK(next_n("at '2026-05-01 12:00:00'", "Asia/Kolkata", "2026-01-01T00:00:00Z", 2) ==
        list({"2026-05-01T12:00:00+05:30", "none"}));
  CHECK(next_n("at '2026-05-01 12:00:00'", "UTC", "2026-05-01T11:59:59Z", 2) ==
        list({"2026-05-01T12:00:00+00:00", "none"}));
  CHECK(next_n("at '2026-05-01 12:00:00'", "UTC", "2026-05-01T12:00:00Z", 1) == list({"none"}));
  CHECK(next_n("at 2026-05-01 12:00:00", "UTC", "2026-01-01T00:00:00Z", 1) ==
        list({"2026-05-01T12:00:00+00:00"}));
  CHECK(next_n("AT '2026-05-01' + INTERVAL 1 DAY + interval '2:30' HOUR_MINUTE", "UTC",
               "2026-01-01T00:00:00Z", 1) == list({"2026-05-02T02:30:00+00:00"}));
  CHECK(next_n("on schedule at '2026-01-31 00:00:00' + interval 1 month", "UTC",
               "2026-01-01T00:00:00Z", 1) == list({"2026-02-28T00:00:00+00:00"}));
  // In a gap: the first instant after it; in an overlap: the first occurrence.
  CHECK(next_n("at '2026-03-08 02:30:00'", "America/New_York", "2026-01-01T00:00:00Z", 1) ==
        list({"2026-03-08T03:00:00-04:00"}));
  CHECK(next_n("at '2026-11-01 01:30:00'", "America/New_York", "2026-01-01T00:00:00Z", 1) ==
        list({"2026-11-01T01:30:00-04:00"}));
}

TEST_CASE("MySQL-style parse errors", "[schedule]") {
  struct Case {
    const char* expr;
    const char* message;
  };
  const Case cases[] = {
      {"every", "every: missing interval (e.g. 'every 2 HOUR')"},
      {"every 2", "every: missing unit after '2' (e.g. HOUR, DAY, MONTH)"},
      {"every 2 hours",
       "every: unknown unit 'hours' (expected SECOND, MINUTE, HOUR, DAY, WEEK, "
       "MONTH, QUARTER, YEAR, DAY_HOUR, DAY_MINUTE, DAY_SECOND, HOUR_MINUTE, "
       "HOUR_SECOND, MINUTE_SECOND or YEAR_MONTH)"},
      {"every 2 hour starts", "starts: missing date-time 'YYYY-MM-DD HH:MM:SS'"},
      {"every 2 hour starts '2026-13-01 00:00:00'",
       "starts: '2026-13-01 00:00:00' is not a valid date"},
      {"every 2 hour starts 'tomorrow'",
       "starts: 'tomorrow' is not a date-time 'YYYY-MM-DD HH:MM:SS'"},
      {"every 2 hour starts '2026-05-02' ends '2026-05-01'",
       "ends: '2026-05-01 00:00:00' is before starts '2026-05-02 00:00:00'"},
      {"every 2 hour starts '2026-05-02' starts '2026-05-03'", "starts: given twice"},
      {"every 2 hour sometimes", "every: unexpected 'sometimes'"},
      {"at", "at: missing date-time 'YYYY-MM-DD HH:MM:SS'"},
      {"at '2026-05-01 12:00:00' ends '2026-06-01'", "at: unexpected 'ends'"},
      {"at '2026-05-01 12:00:00' + 1 day", "at: expected INTERVAL after '+'"},
      {"at '2026-05-01 12:00:00", "unterminated quote in ''2026-05-01 12:00:00'"},
      {"at '2026-05-01 25:00:00'", "at: '2026-05-01 25:00:00' is not a valid time of day"},
      {"on schedule", "expected EVERY or AT after 'ON SCHEDULE'"},
      {"on calendar every 1 day", "expected 'ON SCHEDULE'"},
      {"@every", "@every: missing duration (e.g. '@every 15m')"},
      {"@every 5", "@every: '5' lacks a unit after 5 (d, h, m or s)"},
  };
  for (const Case& c : cases) {
    INFO(c.expr);
    CHECK_THROWS_MATCHES(Schedule::parse(c.expr, find_zone("UTC"), at("2026-01-01T00:00:00Z")),
                         ScheduleError, Catch::Matchers::Message(c.message));
  }
}

TEST_CASE("describe() round-trips and no longer depends on defined_at", "[schedule]") {
  const char* exprs[] = {
      "every 90 second",
      "every 15 minute starts '2026-03-08 01:00:00'",
      "every 2 hour",
      "every 1 day starts '2026-03-07 02:30:00' ends '2026-04-01 00:00:00'",
      "every 2 week",
      "every 1 month",
      "every 1 quarter starts '2026-01-31'",
      "every 1 year",
      "every '1 12' day_hour",
      "every '1 2:30' day_minute",
      "every '1 2:3:4' day_second",
      "every '2:30' hour_minute",
      "every '1:2:3' hour_second",
      "every '5:30' minute_second",
      "every '1-6' year_month",
      "at '2026-05-01 12:00:00' + interval 1 day",
      "@every 1h30m",
      "@daily",
      "0 0 */2 * 1",
  };
  const auto* zone = find_zone("America/New_York");
  const Instant defined_at = at("2026-02-27T13:14:15Z");
  for (const char* expr : exprs) {
    INFO(expr);
    const Schedule original = Schedule::parse(expr, zone, defined_at);
    const Schedule again = Schedule::parse(original.describe(), zone, at("2030-01-01T00:00:00Z"));
    CHECK(again.describe() == original.describe());
    Instant t = at("2026-01-01T00:00:00Z");
    for (int i = 0; i < 12; ++i) {
      const auto a = original.next_after(t);
      const auto b = again.next_after(t);
      REQUIRE(a.has_value() == b.has_value());
      if (!a) {
        break;
      }
      CHECK(*a == *b);
      t = *a + std::chrono::hours{240};
    }
  }
}
