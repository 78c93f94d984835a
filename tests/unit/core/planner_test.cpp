#include "core/planner.hpp"

#include <catch2/catch.hpp>

#include "schedule/time_format.hpp"

using namespace std::chrono_literals;
using sqlcron::config::JobConfig;
using sqlcron::core::Decision;
using sqlcron::core::Planner;

namespace {

const date::sys_seconds kT0 = date::sys_days{date::year{2026} / 6 / 1} + 10h;

JobConfig job(const std::string& name, const std::string& schedule, bool enabled = true) {
  const auto* utc = sqlcron::schedule::find_zone("UTC");
  JobConfig j{.name = name,
              .schedule_text = schedule,
              .timezone = "UTC",
              .schedule = sqlcron::schedule::Schedule::parse(schedule, utc, kT0)};
  j.enabled = enabled;
  j.call_procedure = "p";
  return j;
}

}  // namespace

TEST_CASE("the planner wakes for the earliest slot and returns due slots in order", "[core]") {
  const std::vector<JobConfig> jobs{job("every-second", "* * * * * *"),
                                    job("every-3s", "*/3 * * * * *"),
                                    job("off", "* * * * * *", false)};
  Planner p(jobs, kT0 + 400ms);
  REQUIRE(p.next_wakeup() == kT0 + 1s);
  CHECK(p.next_fire(2) == std::nullopt);

  CHECK(p.due(kT0 + 999ms).empty());
  auto d = p.due(kT0 + 1s + 200us);
  REQUIRE(d.size() == 1);
  CHECK(d[0].slot.job == 0);
  CHECK(d[0].slot.scheduled_for == kT0 + 1s);
  CHECK(d[0].action == Decision::Action::start);
  p.run_finished(0);

  d = p.due(kT0 + 3s + 100us);  // 2 s (job 0), 3 s (job 0 and job 1)
  REQUIRE(d.size() == 3);
  CHECK(d[0].slot.scheduled_for == kT0 + 2s);
  CHECK(d[0].slot.job == 0);
  CHECK(d[1].slot.scheduled_for == kT0 + 3s);
  CHECK(d[1].slot.job == 0);
  CHECK(d[2].slot.job == 1);
  // Job 0's 3 s slot overlaps its own 2 s run, which has not finished.
  CHECK(d[0].action == Decision::Action::start);
  CHECK(d[1].action == Decision::Action::skip);
  CHECK_THAT(d[1].reason, Catch::Contains("still running"));
  CHECK(d[2].action == Decision::Action::start);
  CHECK(p.running(0) == 1);
  CHECK(p.running_total() == 2);
  CHECK(p.next_wakeup() == kT0 + 4s);
}

TEST_CASE("each slot is decided exactly once", "[core]") {
  const std::vector<JobConfig> jobs{job("j", "* * * * * *")};
  Planner p(jobs, kT0);
  int decided = 0;
  for (auto t = kT0; t < kT0 + 60s; t += 1s) {
    for (auto ms : {0ms, 1ms, 500ms}) {
      for (const auto& d : p.due(t + ms)) {
        CHECK(d.slot.scheduled_for == t);
        ++decided;
        p.run_finished(d.slot.job);
      }
    }
  }
  CHECK(decided == 59);  // 1 s .. 59 s; the slot at kT0 itself passed before the planner started
}

TEST_CASE("a reloaded planner keeps the count of runs in progress by job name", "[core]") {
  const std::vector<JobConfig> old_jobs{job("a", "* * * * * *"), job("b", "* * * * * *")};
  Planner old(old_jobs, kT0);
  (void)old.due(kT0 + 1s);  // starts a and b
  old.run_finished(0);      // a finished; b still running
  const std::vector<JobConfig> new_jobs{job("b", "*/2 * * * * *"), job("c", "* * * * * *")};
  Planner fresh(new_jobs, kT0 + 1s);
  fresh.adopt_running(old);
  CHECK(fresh.running(0) == 1);
  CHECK(fresh.running(1) == 0);
  const auto d = fresh.due(kT0 + 2s);
  REQUIRE(d.size() == 2);
  CHECK(d[0].action == Decision::Action::skip);  // b is still running
  CHECK(d[1].action == Decision::Action::start);
}
