#include "core/misfire_policy.hpp"

#include <catch2/catch.hpp>

#include "schedule/time_format.hpp"

using namespace std::chrono_literals;
using sqlcron::config::Misfire;
using sqlcron::core::catchup_slots;

namespace {

const date::sys_seconds kT = date::sys_days{date::year{2026} / 6 / 1} + 12h;

sqlcron::schedule::Schedule every_minute() {
  return sqlcron::schedule::Schedule::parse("* * * * *", sqlcron::schedule::find_zone("UTC"), kT);
}

}  // namespace

TEST_CASE("misfire: run_once catches up only the latest missed slot within the grace", "[core]") {
  // Down from 12:00 to 12:10:30: slots 12:01 .. 12:10 were missed.
  const auto slots = catchup_slots(every_minute(), kT, kT + 10min + 30s, Misfire::run_once, 1h);
  CHECK(slots == std::vector<date::sys_seconds>{kT + 10min});
  // Outside the grace nothing is caught up.
  CHECK(catchup_slots(every_minute(), kT, kT + 10min + 30s, Misfire::run_once, 20s).empty());
}

TEST_CASE("misfire: run_all catches up every missed slot within the grace, oldest first",
          "[core]") {
  const auto all = catchup_slots(every_minute(), kT, kT + 10min + 30s, Misfire::run_all, 1h);
  REQUIRE(all.size() == 10);
  CHECK(all.front() == kT + 1min);
  CHECK(all.back() == kT + 10min);
  const auto recent = catchup_slots(every_minute(), kT, kT + 10min + 30s, Misfire::run_all, 3min);
  CHECK(recent == std::vector<date::sys_seconds>{kT + 8min, kT + 9min, kT + 10min});
}

TEST_CASE("misfire: skip, never-run jobs and nothing missed catch up nothing", "[core]") {
  CHECK(catchup_slots(every_minute(), kT, kT + 10min, Misfire::skip, 1h).empty());
  CHECK(catchup_slots(every_minute(), std::nullopt, kT + 10min, Misfire::run_all, 1h).empty());
  CHECK(catchup_slots(every_minute(), kT + 10min, kT + 10min + 59s, Misfire::run_all, 1h).empty());
}
