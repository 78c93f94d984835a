// core::Scheduler, one event at a time: the actions each event gives (the simulation proves the
// rules over long runs with faults; these pin the contract of single steps).
#include "core/scheduler.hpp"

#include <catch2/catch.hpp>
#include <chrono>

using namespace std::chrono_literals;
namespace core = sqlcron::core;
namespace action = sqlcron::core::action;
namespace event = sqlcron::core::event;

namespace {

const auto kStart = date::sys_days{date::year{2027} / 1 / 4} + 10s;

struct Clock {
  core::Now now{kStart, std::chrono::steady_clock::time_point(1h)};
  core::Now advance(std::chrono::milliseconds d) {
    now.wall += d;
    now.steady += d;
    return now;
  }
};

std::shared_ptr<const sqlcron::config::Config> one_job(int attempts = 1) {
  auto c = std::make_shared<sqlcron::config::Config>();
  c->scheduler.zone = date::locate_zone("UTC");
  sqlcron::config::JobConfig j;
  j.name = "etl";
  j.sql = "SELECT 1";
  j.schedule = sqlcron::schedule::Schedule::parse("* * * * *", c->scheduler.zone,
                                                  date::floor<std::chrono::seconds>(kStart));
  j.retry.attempts = attempts;
  j.retry.backoff = 1s;
  c->jobs.push_back(j);
  return c;
}

template <typename A>
std::vector<A> all(const core::Scheduler::Actions& actions) {
  std::vector<A> out;
  for (const auto& a : actions) {
    if (const auto* x = std::get_if<A>(&a)) out.push_back(*x);
  }
  return out;
}

// Runs the scheduler to its first Start of the 00:01 slot.
core::RunOrder first_start(core::Scheduler& s, Clock& clock) {
  s.handle(event::Begin{}, clock.now);
  s.handle(event::HealthChecked{{true, false, "", 0, 0, {}}}, clock.now);
  const auto actions =
      s.handle(event::TimerFired{{core::TimerId::Kind::wake, 0}}, clock.advance(50s - 3ms));
  const auto starts = all<action::Start>(actions);
  REQUIRE(starts.size() == 1);
  REQUIRE(starts[0].runs.size() == 1);
  return starts[0].runs[0];
}

}  // namespace

TEST_CASE("Begin reads the run log for missed slots, watches, checks the database and arms",
          "[core][scheduler]") {
  Clock clock;
  core::Scheduler s(one_job(), {}, clock.now);
  const auto actions = s.handle(event::Begin{}, clock.now);
  CHECK(all<action::ReadLastSlots>(actions).size() == 1);
  CHECK(all<action::WatchDirs>(actions).size() == 1);
  const auto timers = all<action::ArmTimer>(actions);
  REQUIRE(timers.size() == 2);
  // The wake-up for the 00:01:00 slot, 50 s away: at most 30 s, to notice wall-clock changes.
  CHECK(timers[0].timer.kind == core::TimerId::Kind::wake);
  CHECK(timers[0].after == 30s);
  CHECK(timers[1].timer.kind == core::TimerId::Kind::health);
}

TEST_CASE("a due slot is started once, at its instant", "[core][scheduler]") {
  Clock clock;
  core::Scheduler s(one_job(), {}, clock.now);
  const auto order = first_start(s, clock);
  CHECK(order.scheduled_for == date::sys_days{date::year{2027} / 1 / 4} + 1min);
  CHECK(order.cause == core::RunCause::schedule);
  CHECK(order.not_before == order.scheduled_for);  // claimed ahead; its SQL waits for the second
  CHECK(s.in_flight() == 1);
}

TEST_CASE("a transient failure is retried after its backoff; the last attempt is final",
          "[core][scheduler]") {
  Clock clock;
  core::Scheduler s(one_job(2), {}, clock.now);
  auto order = first_start(s, clock);
  core::RunReport failed;
  failed.claimed = true;
  failed.run_id = 7;
  failed.scheduled_for = order.scheduled_for;
  failed.outcome.status = core::RunStatus::failed;
  failed.outcome.error_code = 1213;  // deadlock: transient
  auto actions = s.handle(event::Finished{order, failed, false}, clock.advance(1s));
  const auto timers = all<action::ArmTimer>(actions);
  REQUIRE(timers.size() == 1);
  CHECK(timers[0].timer.kind == core::TimerId::Kind::retry);
  CHECK(timers[0].after >= 500ms);  // backoff 1 s with jitter in [0.5, 1]
  CHECK(timers[0].after <= 1s);
  actions = s.handle(event::TimerFired{timers[0].timer}, clock.advance(1s));
  const auto retry = all<action::Start>(actions);
  REQUIRE(retry.size() == 1);
  CHECK(retry[0].runs[0].attempt == 2);
  CHECK(retry[0].runs[0].cause == core::RunCause::retry);
  failed.run_id = 8;
  actions = s.handle(event::Finished{retry[0].runs[0], failed, false}, clock.advance(1s));
  CHECK(all<action::ArmTimer>(actions).empty());  // attempts used up
  CHECK(s.in_flight() == 0);
}

TEST_CASE("nothing fires while the database is unreachable; its return catches up",
          "[core][scheduler]") {
  Clock clock;
  core::Scheduler s(one_job(), {}, clock.now);
  s.handle(event::Begin{}, clock.now);
  s.handle(event::HealthChecked{{false, false, "error 2003", 0, 0, {}}}, clock.now);
  CHECK_FALSE(s.database_up());
  auto actions =
      s.handle(event::TimerFired{{core::TimerId::Kind::wake, 0}}, clock.advance(50s - 3ms));
  CHECK(all<action::Start>(actions).empty());
  actions = s.handle(event::HealthChecked{{true, false, "", 0, 0, {}}}, clock.advance(20s));
  CHECK(s.database_up());
  CHECK(all<action::ReadLastSlots>(actions).size() == 1);
}

TEST_CASE("SIGTERM waits for runs through the grace, then kills them, then exits",
          "[core][scheduler]") {
  Clock clock;
  core::Scheduler s(one_job(), {}, clock.now);
  auto order = first_start(s, clock);
  s.handle(event::Started{order.key, 7, 42, clock.now.wall}, clock.advance(3ms));
  auto actions = s.handle(event::Stop{"SIGTERM"}, clock.advance(1s));
  CHECK(all<action::Exit>(actions).empty());
  CHECK(s.stopping());
  actions = s.handle(event::TimerFired{{core::TimerId::Kind::grace, 0}}, clock.advance(60s));
  const auto kills = all<action::Kill>(actions);
  REQUIRE(kills.size() == 1);
  CHECK(kills[0].connection_id == 42);
  CHECK(kills[0].reason == core::StopReason::shutdown);
  core::RunReport cancelled;
  cancelled.claimed = true;
  cancelled.run_id = 7;
  cancelled.outcome.status = core::RunStatus::cancelled;
  actions = s.handle(event::Finished{order, cancelled, false}, clock.advance(1s));
  const auto exits = all<action::Exit>(actions);
  REQUIRE(exits.size() == 1);
  CHECK_FALSE(exits[0].forced);
}
