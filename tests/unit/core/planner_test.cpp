#include "core/planner.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <tuple>

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

TEST_CASE("overlap: queue keeps one waiting slot and starts it when the run ends", "[core]") {
  auto j = job("q", "* * * * * *");
  j.overlap = sqlcron::config::Overlap::queue;
  const std::vector<JobConfig> jobs{j};
  Planner p(jobs, kT0);
  auto d = p.due(kT0 + 1s);
  REQUIRE(d.size() == 1);
  CHECK(d[0].action == Decision::Action::start);
  d = p.due(kT0 + 3s);  // 2 s queues, 3 s finds the queue full
  REQUIRE(d.size() == 2);
  CHECK(d[0].action == Decision::Action::queued);
  CHECK(d[1].action == Decision::Action::skip);
  CHECK_THAT(d[1].reason, Catch::Contains("one is queued"));
  const auto next = p.run_finished(0);
  REQUIRE(next);
  CHECK(next->action == Decision::Action::start);
  CHECK(next->slot.scheduled_for == kT0 + 2s);
  CHECK(p.running(0) == 1);
  CHECK_FALSE(p.run_finished(0));
  CHECK(p.running(0) == 0);
}

TEST_CASE("overlap: allow runs up to max_instances at once", "[core]") {
  auto j = job("a", "* * * * * *");
  j.overlap = sqlcron::config::Overlap::allow;
  j.max_instances = 2;
  const std::vector<JobConfig> jobs{j};
  Planner p(jobs, kT0);
  const auto d = p.due(kT0 + 3s);
  REQUIRE(d.size() == 3);
  CHECK(d[0].action == Decision::Action::start);
  CHECK(d[1].action == Decision::Action::start);
  CHECK(d[2].action == Decision::Action::skip);
  CHECK_THAT(d[2].reason, Catch::Contains("2 runs of a are running"));
}

TEST_CASE("slots found late (clock jumped forward) follow the misfire policy", "[core]") {
  auto once = job("once", "* * * * * *");
  auto all = job("all", "*/20 * * * * *");
  all.misfire = sqlcron::config::Misfire::run_all;
  all.overlap = sqlcron::config::Overlap::allow;
  all.max_instances = 10;
  auto skip = job("skip", "* * * * * *");
  skip.misfire = sqlcron::config::Misfire::skip;
  const std::vector<JobConfig> jobs{once, all, skip};
  Planner p(jobs, kT0, 1s);  // slots more than 1 s late are misfires
  // The clock jumps from kT0 to kT0 + 1 min: every slot in between is late.
  const auto all_decisions = p.due(kT0 + 60s + 1ms);
  // The late slots the policy does not run come first, each a skip with its reason (a row each).
  std::vector<Decision> d;
  std::map<std::size_t, int> dropped;
  for (const auto& x : all_decisions) {
    if (x.action == Decision::Action::skip && x.reason.rfind("misfire: ", 0) == 0) {
      ++dropped[x.slot.job];
      CHECK(x.slot.cause == sqlcron::core::RunCause::schedule);
      CHECK(x.slot.scheduled_for < kT0 + 60s);
    } else {
      d.push_back(x);
    }
  }
  // once: 1..58 s (run_once runs 59 s only); skip: 1..59 s; all: none.
  CHECK(dropped == std::map<std::size_t, int>{{0, 58}, {2, 59}});
  std::vector<std::tuple<std::size_t, date::sys_seconds, Decision::Action>> got;
  got.reserve(d.size());
  for (const auto& x : d) got.emplace_back(x.slot.job, x.slot.scheduled_for, x.action);
  using A = Decision::Action;
  // once (run_once): only its latest late slot, 59 s, as a catch-up; its on-time 60 s slot then
  // overlaps it. all (run_all): 20 s and 40 s, then 60 s on time. skip: only 60 s.
  CHECK(got ==
        std::vector<std::tuple<std::size_t, date::sys_seconds, A>>{{1, kT0 + 20s, A::start},
                                                                   {1, kT0 + 40s, A::start},
                                                                   {0, kT0 + 59s, A::start},
                                                                   {0, kT0 + 60s, A::skip},
                                                                   {1, kT0 + 60s, A::start},
                                                                   {2, kT0 + 60s, A::start}});
  CHECK(d[0].slot.cause == sqlcron::core::RunCause::catchup);
  CHECK(d[2].slot.cause == sqlcron::core::RunCause::catchup);
  CHECK(d[4].slot.cause == sqlcron::core::RunCause::schedule);
}

TEST_CASE("after the clock goes back, rebase fires from the new time", "[core]") {
  const std::vector<JobConfig> jobs{job("j", "*/10 * * * * *")};
  Planner p(jobs, kT0 + 30s);
  CHECK(p.next_wakeup() == kT0 + 40s);
  p.rebase(kT0 + 5s);
  CHECK(p.next_wakeup() == kT0 + 10s);
}
