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

TEST_CASE("a transient failure is retried after its backoff, the last attempt is final",
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

TEST_CASE("nothing fires while the database is unreachable, its return catches up",
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

namespace {

// The 00:01 run of `s` (2 attempts) loses the overlap lease to another daemon's run: it waits.
core::RunOrder waiting_for_turn(core::Scheduler& s, Clock& clock) {
  auto order = first_start(s, clock);
  core::RunReport overlapped;
  overlapped.claimed = true;
  overlapped.run_id = 7;
  overlapped.scheduled_for = order.scheduled_for;
  overlapped.overlapped_by = "run 5 on b:1:1";
  const auto actions = s.handle(event::Finished{order, overlapped, false}, clock.advance(1s));
  const auto timers = all<action::ArmTimer>(actions);
  REQUIRE(timers.size() == 1);
  REQUIRE(timers[0].timer.kind == core::TimerId::Kind::turn);
  order.claimed_run_id = 7;
  return order;
}

}  // namespace

TEST_CASE("a run waiting for its turn that cannot start for the database is resolved, not lost",
          "[core][scheduler]") {
  // Its row is claimed; the try that finds the server gone reports it unclaimed. The row must
  // be abandoned (and retried) once the database is back, not left `running` for ever.
  Clock clock;
  core::Scheduler s(one_job(2), {}, clock.now);
  waiting_for_turn(s, clock);
  auto actions = s.handle(event::TimerFired{{core::TimerId::Kind::turn, 1}}, clock.advance(500ms));
  const auto starts = all<action::Start>(actions);
  REQUIRE(starts.size() == 1);
  const auto retried = starts[0].runs[0];
  CHECK(retried.claimed_run_id == 7);
  s.handle(event::Finished{retried, {}, true}, clock.advance(1ms));
  CHECK(s.in_flight() == 0);
  CHECK_FALSE(s.database_up());
  actions = s.handle(event::HealthChecked{{true, false, "", 0, 0, {}}}, clock.advance(2s));
  const auto resolve = all<action::ResolveInDoubt>(actions);
  REQUIRE(resolve.size() == 1);
  REQUIRE(resolve[0].runs.size() == 1);
  CHECK(resolve[0].runs[0].scheduled_for == retried.scheduled_for);
  CHECK(resolve[0].runs[0].attempt == 1);
  // Abandoned: its next attempt runs.
  actions = s.handle(event::Resolved{{{"etl", retried.scheduled_for, 1, 0}}}, clock.advance(1ms));
  const auto next = all<action::Start>(actions);
  REQUIRE(next.size() == 1);
  CHECK(next[0].runs[0].attempt == 2);
}

TEST_CASE("a run waiting for its turn while the database is unavailable is given up, not started",
          "[core][scheduler]") {
  Clock clock;
  core::Scheduler s(one_job(), {}, clock.now);
  waiting_for_turn(s, clock);
  s.handle(event::HealthChecked{{false, false, "error 2003", 0, 0, {}}}, clock.advance(100ms));
  auto actions = s.handle(event::TimerFired{{core::TimerId::Kind::turn, 1}}, clock.advance(400ms));
  CHECK(all<action::Start>(actions).empty());
  const auto given_up = all<action::GiveUp>(actions);
  REQUIRE(given_up.size() == 1);
  CHECK(given_up[0].run.claimed_run_id == 7);
  CHECK(given_up[0].reason.find("the database became unavailable") != std::string::npos);
}

TEST_CASE("an in-doubt claim leaves alone the row a live run of the daemon holds",
          "[core][scheduler]") {
  // The 00:01 run waits for its turn holding row 7. The wall clock goes back 30 s, the slot
  // comes due again and is queued (overlap: queue); that claim's reply is lost. Resolving it
  // must not abandon row 7 under the waiting run.
  Clock clock;
  auto c = std::const_pointer_cast<sqlcron::config::Config>(one_job());
  c->jobs[0].overlap = sqlcron::config::Overlap::queue;
  core::Scheduler s(c, {}, clock.now);
  waiting_for_turn(s, clock);
  clock.now.wall -= 30s;
  s.handle(event::TimerFired{{core::TimerId::Kind::wake, 0}}, clock.advance(1s));
  const auto actions =
      s.handle(event::TimerFired{{core::TimerId::Kind::wake, 0}}, clock.advance(28s + 1ms));
  const auto claims = all<action::Claim>(actions);
  REQUIRE(claims.size() == 1);
  CHECK(claims[0].run.scheduled_for == date::sys_days{date::year{2027} / 1 / 4} + 1min);
  s.handle(event::Claimed{claims[0].run.key, std::nullopt, true}, clock.advance(1ms));
  const auto resumed =
      s.handle(event::HealthChecked{{true, false, "", 0, 0, {}}}, clock.advance(1s));
  CHECK(all<action::ResolveInDoubt>(resumed).empty());
  CHECK(s.order(1) != nullptr);  // the waiting run goes on
}

TEST_CASE("a slot passed again between a backward clock jump and its notice is fired",
          "[core][scheduler]") {
  // 00:01:00 passes while the database is away (not fired). The clock then goes back 20 s, the
  // database returns, and the wall passes 00:01:00 again before the next wake-up notices the
  // jump: the slot is fired then, not lost.
  Clock clock;
  core::Scheduler s(one_job(), {}, clock.now);
  s.handle(event::Begin{}, clock.now);
  s.handle(event::HealthChecked{{false, false, "error 2003", 0, 0, {}}}, clock.now);
  auto actions =
      s.handle(event::TimerFired{{core::TimerId::Kind::wake, 0}}, clock.advance(50s - 3ms));
  CHECK(all<action::Start>(actions).empty());
  clock.advance(5s);
  clock.now.wall -= 20s;  // 00:00:45
  s.handle(event::HealthChecked{{true, false, "", 0, 0, {}}}, clock.now);
  actions = s.handle(event::TimerFired{{core::TimerId::Kind::wake, 0}}, clock.advance(16s));
  const auto starts = all<action::Start>(actions);
  REQUIRE(starts.size() == 1);
  CHECK(starts[0].runs[0].scheduled_for == date::sys_days{date::year{2027} / 1 / 4} + 1min);
}

TEST_CASE("a slot due while the database is away claims no row, even queued behind a run",
          "[core][scheduler]") {
  // The 00:01 run goes on while the database is away (read-only, say); the 00:02 slot comes due
  // behind it (overlap: queue). It is decided later from the run log, as any slot of a paused
  // daemon: a row claimed for it now, past the slots the pause lost, would hide those from the
  // catch-up, which starts after the latest recorded slot.
  Clock clock;
  auto c = std::const_pointer_cast<sqlcron::config::Config>(one_job());
  c->jobs[0].overlap = sqlcron::config::Overlap::queue;
  core::Scheduler s(c, {}, clock.now);
  const auto order = first_start(s, clock);
  s.handle(event::Started{order.key, 7, 42, clock.now.wall}, clock.advance(3ms));
  s.handle(event::HealthChecked{{true, true, "", 0, 0, {}}}, clock.advance(1s));
  CHECK(s.read_only());
  auto actions =
      s.handle(event::TimerFired{{core::TimerId::Kind::wake, 0}}, clock.advance(59s - 3ms));
  CHECK(all<action::Claim>(actions).empty());
  CHECK(all<action::Start>(actions).empty());
  core::RunReport done;
  done.claimed = true;
  done.run_id = 7;
  done.scheduled_for = order.scheduled_for;
  done.outcome.status = core::RunStatus::succeeded;
  actions = s.handle(event::Finished{order, done, true}, clock.advance(2s));
  CHECK(all<action::Start>(actions).empty());
  CHECK(all<action::GiveUp>(actions).empty());
  CHECK(s.in_flight() == 0);
  actions = s.handle(event::HealthChecked{{true, false, "", 0, 0, {}}}, clock.advance(1s));
  const auto reads = all<action::ReadLastSlots>(actions);
  REQUIRE(reads.size() == 1);
  // The run log's latest slot is 00:01: 00:02 is caught up.
  actions = s.handle(event::LastSlots{reads[0].until, {{"etl", order.scheduled_for}}},
                     clock.advance(1ms));
  const auto starts = all<action::Start>(actions);
  REQUIRE(starts.size() == 1);
  CHECK(starts[0].runs[0].scheduled_for == date::sys_days{date::year{2027} / 1 / 4} + 2min);
  CHECK(starts[0].runs[0].cause == core::RunCause::catchup);
}

TEST_CASE("a root's retry and the steps after it belong to the instance its first attempt opened",
          "[core][scheduler]") {
  auto c = std::make_shared<sqlcron::config::Config>(*one_job(2));
  c->jobs[0].chain_root = true;
  sqlcron::config::JobConfig step;
  step.name = "step";
  step.sql = "SELECT 1";
  step.after = {"etl"};
  c->jobs.push_back(step);
  Clock clock;
  core::Scheduler s(c, {}, clock.now);
  auto order = first_start(s, clock);
  CHECK(order.chain_run_id == 0);  // a root: its claim makes its run id the instance
  core::RunReport report;
  report.claimed = true;
  report.run_id = 7;
  report.scheduled_for = order.scheduled_for;
  report.outcome.status = core::RunStatus::failed;
  report.outcome.error_code = 1213;
  auto actions = s.handle(event::Finished{order, report, false}, clock.advance(1s));
  const auto timers = all<action::ArmTimer>(actions);
  REQUIRE(timers.size() == 1);
  actions = s.handle(event::TimerFired{timers[0].timer}, clock.advance(1s));
  const auto retry = all<action::Start>(actions);
  REQUIRE(retry.size() == 1);
  CHECK(retry[0].runs[0].chain_run_id == 7);
  report.run_id = 8;
  report.outcome.status = core::RunStatus::succeeded;
  report.outcome.error_code = 0;
  actions = s.handle(event::Finished{retry[0].runs[0], report, false}, clock.advance(1s));
  const auto steps = all<action::Start>(actions);
  REQUIRE(steps.size() == 1);
  CHECK(steps[0].runs[0].job_config().name == "step");
  CHECK(steps[0].runs[0].chain_run_id == 7);
}

TEST_CASE("an abandoned final attempt is followed up as a final failure: skips and hooks",
          "[core][scheduler]") {
  auto c = std::make_shared<sqlcron::config::Config>(*one_job(1));
  c->jobs[0].chain_root = true;
  c->jobs[0].on_failure = {"alert"};
  sqlcron::config::JobConfig step;
  step.name = "step";
  step.sql = "SELECT 1";
  step.after = {"etl"};
  c->jobs.push_back(step);
  sqlcron::config::JobConfig alert;
  alert.name = "alert";
  alert.sql = "SELECT 1";
  c->jobs.push_back(alert);
  Clock clock;
  core::Scheduler s(c, {}, clock.now);
  s.handle(event::Begin{}, clock.now);
  const auto slot = date::sys_days{date::year{2027} / 1 / 4};
  core::HealthReport h{true, false, "", 0, 0, {}};
  h.abandoned.push_back({"etl", slot, 1, 42, 42, core::RunCause::schedule});
  const auto actions = s.handle(event::HealthChecked{h}, clock.advance(1s));
  const auto skips = all<action::RecordSkip>(actions);
  REQUIRE(skips.size() == 1);
  CHECK(skips[0].run.job_config().name == "step");
  CHECK(skips[0].reason == "upstream etl abandoned (run 42)");
  std::vector<core::RunOrder> hooks;
  for (const auto& st : all<action::Start>(actions)) {
    for (const auto& r : st.runs) {
      if (r.cause == core::RunCause::failure_hook) hooks.push_back(r);
    }
  }
  REQUIRE(hooks.size() == 1);
  CHECK(hooks[0].job_config().name == "alert");
  CHECK(hooks[0].failure->run_id == 42);
  CHECK(hooks[0].failure->status == "abandoned");
}
