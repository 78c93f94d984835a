#include "schedule/duration_parse.hpp"

#include <catch2/catch.hpp>

#include "schedule/schedule_error.hpp"

using sqlcron::schedule::format_every_duration;
using sqlcron::schedule::parse_every_duration;
using sqlcron::schedule::ScheduleError;

TEST_CASE("@every durations", "[schedule]") {
  struct Case {
    const char* text;
    long long seconds;
    const char* canonical;
  };
  const Case cases[] = {
      {"90s", 90, "1m30s"},       {"15m", 900, "15m"},        {"1h30m", 5400, "1h30m"},
      {"2h", 7200, "2h"},         {"1d12h", 129600, "1d12h"}, {"1H", 3600, "1h"},
      {"30m30s", 1830, "30m30s"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    CHECK(parse_every_duration(c.text).count() == c.seconds);
    CHECK(format_every_duration(parse_every_duration(c.text)) == c.canonical);
  }
}

TEST_CASE("@every duration errors", "[schedule]") {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"", "@every: missing duration (e.g. '@every 15m')"},
      {"15", "@every: '15' lacks a unit after 15 (d, h, m or s)"},
      {"15x", "@every: '15x' has unknown unit 'x' (use d, h, m or s)"},
      {"m", "@every: 'm' is not a duration like 90s, 15m or 1h30m"},
      {"0s", "@every: '0s' must be longer than zero"},
      {"1.5h", "@every: '1.5h' has unknown unit '.' (use d, h, m or s)"},
      {"999999999999999d", "@every: '999999999999999d' is too long (at most 100 years)"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    CHECK_THROWS_MATCHES(parse_every_duration(c.text), ScheduleError,
                         Catch::Matchers::Message(c.message));
  }
}
