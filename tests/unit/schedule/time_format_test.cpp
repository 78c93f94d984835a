#include "schedule/time_format.hpp"

#include <catch2/catch.hpp>
#include <stdexcept>

using sqlcron::schedule::find_zone;
using sqlcron::schedule::format_rfc3339;
using sqlcron::schedule::Instant;
using sqlcron::schedule::parse_rfc3339;

TEST_CASE("format_rfc3339 uses the zone's offset", "[schedule]") {
  const Instant t = date::sys_days{date::year{2026} / 3 / 8} + std::chrono::hours{7};
  CHECK(format_rfc3339(t, find_zone("America/New_York")) == "2026-03-08T03:00:00-04:00");
  CHECK(format_rfc3339(t - std::chrono::seconds{1}, find_zone("America/New_York")) ==
        "2026-03-08T01:59:59-05:00");
  CHECK(format_rfc3339(t, find_zone("UTC")) == "2026-03-08T07:00:00+00:00");
  CHECK(format_rfc3339(t, find_zone("Asia/Kolkata")) == "2026-03-08T12:30:00+05:30");
  CHECK(format_rfc3339(t, find_zone("Pacific/Chatham")) == "2026-03-08T20:45:00+13:45");
}

TEST_CASE("parse_rfc3339 accepts the documented forms", "[schedule]") {
  const Instant expected = date::sys_days{date::year{2026} / 3 / 8} + std::chrono::hours{7};
  const char* forms[] = {"2026-03-08T03:00:00-04:00", "2026-03-08 07:00:00Z",
                         "2026-03-08T07:00:00z",      "2026-03-08T07:00:00.250Z",
                         "2026-03-08T12:30:00+05:30", "2026-03-08t07:00:00+00:00"};
  for (const char* form : forms) {
    INFO(form);
    CHECK(parse_rfc3339(form) == expected);
  }
}

TEST_CASE("format and parse round-trip", "[schedule]") {
  const auto* zone = find_zone("Australia/Lord_Howe");
  for (Instant t = parse_rfc3339("2026-04-04T14:00:00Z"); t < parse_rfc3339("2026-04-04T17:00:00Z");
       t += std::chrono::minutes{7}) {
    CHECK(parse_rfc3339(format_rfc3339(t, zone)) == t);
  }
}

TEST_CASE("parse_rfc3339 errors", "[schedule]") {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"2026-03-08", "'2026-03-08' is not an RFC 3339 time like 2026-03-08T03:00:00-04:00"},
      {"2026-03-08T03:00:00", "'2026-03-08T03:00:00' lacks a UTC offset (Z, +HH:MM or -HH:MM)"},
      {"2026-02-30T03:00:00Z", "'2026-02-30T03:00:00Z' is not a valid date"},
      {"2026-03-08T25:00:00Z", "'2026-03-08T25:00:00Z' is not a valid time of day"},
      {"2026-03-08T03:00:00+5",
       "'2026-03-08T03:00:00+5' has an invalid UTC offset (expected Z, "
       "+HH:MM or -HH:MM)"},
      {"2026-03-08T03:00:00Zx", "'2026-03-08T03:00:00Zx' has trailing characters"},
      {"2026-03-08T03:00:00.Z", "'2026-03-08T03:00:00.Z' has an empty fraction of a second"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    CHECK_THROWS_MATCHES(parse_rfc3339(c.text), std::invalid_argument,
                         Catch::Matchers::Message(c.message));
  }
}

TEST_CASE("find_zone", "[schedule]") {
  CHECK(find_zone("Europe/London")->name() == "Europe/London");
  CHECK_THROWS_MATCHES(find_zone("Mars/Olympus"), std::invalid_argument,
                       Catch::Matchers::Message("unknown time zone 'Mars/Olympus'"));
}
