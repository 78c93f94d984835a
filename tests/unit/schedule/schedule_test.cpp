#include "schedule/schedule.hpp"

#include <catch2/catch.hpp>
#include <stdexcept>
#include <thread>
#include <vector>

#include "schedule/schedule_error.hpp"
#include "test_util.hpp"

using sqlcron::schedule::find_zone;
using sqlcron::schedule::Instant;
using sqlcron::schedule::Schedule;
using sqlcron::schedule::ScheduleError;
using sqlcron::schedule::test::at;
using sqlcron::schedule::test::list;
using sqlcron::schedule::test::next_n;

TEST_CASE("Schedule::parse dispatches on the expression's form", "[schedule]") {
  const auto* utc = find_zone("UTC");
  const Instant defined = at("2026-01-01T00:00:00Z");
  CHECK(Schedule::parse("*/5 * * * *", utc, defined).describe() == "0 */5 * * * *");
  CHECK(Schedule::parse("@hourly", utc, defined).describe() == "0 0 * * * *");
  CHECK(Schedule::parse("@every 15m", utc, defined).describe() ==
        "@every 15m starts '2026-01-01 00:00:00'");
  CHECK(Schedule::parse("Every 2 Hour", utc, defined).describe() ==
        "every 2 HOUR starts '2026-01-01 00:00:00'");
  CHECK(Schedule::parse("AT '2026-02-01 00:00:00'", utc, defined).describe() ==
        "at '2026-02-01 00:00:00'");
  const Schedule s = Schedule::parse("  0 0 * * *  ", find_zone("Europe/London"), defined);
  CHECK(s.expression() == "0 0 * * *");
  CHECK(s.zone()->name() == "Europe/London");
}

TEST_CASE("Schedule::parse rejects empty expressions and a null zone", "[schedule]") {
  CHECK_THROWS_MATCHES(Schedule::parse("   ", find_zone("UTC"), Instant{}), ScheduleError,
                       Catch::Matchers::Message("empty schedule expression"));
  CHECK_THROWS_AS(Schedule::parse("* * * * *", nullptr, Instant{}), std::invalid_argument);
}

TEST_CASE("next_after is bounded and ends", "[schedule]") {
  // The rarest possible cron expressions still resolve (Feb 29 on a Monday, decades apart).
  CHECK(next_n("0 0 29 2 1#5", "UTC", "2044-03-01T00:00:00Z", 1) ==
        list({"2048-02-29T00:00:00+00:00"}));
  CHECK(next_n("0 0 */28 2 1#5", "UTC", "2044-03-01T00:00:00Z", 1) ==
        list({"2072-02-29T00:00:00+00:00"}));
  // Far in the future: nothing rather than an endless search.
  CHECK(next_n("* * * * *", "UTC", "9999-12-31T00:00:00Z", 1) == list({"none"}));
  CHECK(next_n("every 1 year starts '2026-01-01'", "UTC", "9999-06-01T00:00:00Z", 1) ==
        list({"none"}));
}

TEST_CASE("a Schedule is usable from several threads", "[schedule]") {
  const Schedule s =
      Schedule::parse("*/15 * * * *", find_zone("America/New_York"), at("2026-01-01T00:00:00Z"));
  const Instant start = at("2026-10-31T00:00:00Z");
  std::vector<Instant> expected;
  for (Instant t = start; expected.size() < 400;) {
    t = *s.next_after(t);
    expected.push_back(t);
  }
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  threads.reserve(ok.size());
  for (int& slot : ok) {
    threads.emplace_back([&] {
      Instant t = start;
      int good = 0;
      for (const Instant e : expected) {
        t = *s.next_after(t);
        good += t == e ? 1 : 0;
      }
      slot = good;
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  for (const int good : ok) {
    CHECK(good == 400);
  }
}

TEST_CASE("anchoring tells which schedules count from their definition", "[schedule]") {
  using Anchoring = Schedule::Anchoring;
  const auto* berlin = find_zone("Europe/Berlin");
  const Instant defined = at("2026-01-01T10:17:00Z");
  const struct {
    const char* expr;
    Anchoring anchoring;
  } cases[] = {
      {"*/5 * * * *", Anchoring::none},
      {"@hourly", Anchoring::none},
      {"at '2026-02-01 00:00:00'", Anchoring::none},
      {"@every 7s", Anchoring::instant},
      {"every 2 hour", Anchoring::instant},
      {"every 2 hour ends '2030-01-01 00:00:00'", Anchoring::instant},
      {"every 1 day", Anchoring::wall_clock},
      {"every 1 month", Anchoring::wall_clock},
      {"@every 7s starts '2026-01-01 00:00:00'", Anchoring::none},
      {"every 1 day starts '2026-01-01 00:00:00'", Anchoring::none},
  };
  for (const auto& c : cases) {
    INFO(c.expr);
    const Schedule s = Schedule::parse(c.expr, berlin, defined);
    CHECK(s.anchoring() == c.anchoring);
    CHECK(s.anchor().has_value() == (c.anchoring != Anchoring::none));
  }
  CHECK(Schedule::parse("@every 7s", berlin, defined).anchor() == defined);
}

TEST_CASE("anchored_at counts the same expression from another instant", "[schedule]") {
  const auto* utc = find_zone("UTC");
  const Schedule s = Schedule::parse("@every 7s", utc, at("2026-01-01T00:01:00Z"));
  const Schedule earlier = s.anchored_at(at("2026-01-01T00:00:00Z"));
  CHECK(earlier.expression() == "@every 7s");
  CHECK(earlier.anchor() == at("2026-01-01T00:00:00Z"));
  CHECK(earlier.next_after(at("2026-01-01T00:01:00Z")) == at("2026-01-01T00:01:03Z"));
  CHECK(s.next_after(at("2026-01-01T00:01:00Z")) == at("2026-01-01T00:01:07Z"));
  // Calendar intervals count from the local time of the anchor.
  const Schedule daily =
      Schedule::parse("every 1 day", find_zone("Europe/Berlin"), at("2026-03-01T12:00:00Z"))
          .anchored_at(at("2026-01-10T05:30:00Z"));
  CHECK(daily.next_after(at("2026-03-01T12:00:00Z")) == at("2026-03-02T05:30:00Z"));
  // Schedules that do not count from their definition are returned as they are.
  const Schedule cron = Schedule::parse("*/5 * * * *", utc, at("2026-01-01T00:01:00Z"));
  CHECK(cron.anchored_at(at("2020-01-01T00:00:00Z")).next_after(at("2026-01-01T00:01:00Z")) ==
        at("2026-01-01T00:05:00Z"));
  // An `ends` before the new anchor would reject the expression: the anchor stays.
  const Schedule ending =
      Schedule::parse("every 1 hour ends '2026-06-01 00:00:00'", utc, at("2026-01-01T00:00:00Z"));
  CHECK(ending.anchored_at(at("2027-01-01T00:00:00Z")).anchor() == at("2026-01-01T00:00:00Z"));
}
