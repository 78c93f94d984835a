// The deterministic simulation (label `simulation`): the real core::Scheduler of several daemons
// against a simulated database and clock, with seeded faults. A failure prints its seed;
// SQLCRON_SIM_SEED=<seed> replays it exactly, SQLCRON_SIM_DAYS=<days> changes the long run.
#include "simulation.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace std::chrono_literals;
using sqlcron::sim::Behaviour;
using sqlcron::sim::Faults;
using sqlcron::sim::Simulation;

namespace {

std::uint64_t seed_or(std::uint64_t fallback) {
  const char* s = std::getenv("SQLCRON_SIM_SEED");
  return s != nullptr ? std::stoull(s) : fallback;
}

void require_no_violations(Simulation& sim) {
  sim.finish();
  const auto broken = sim.check();
  for (const auto& b : broken) UNSCOPED_INFO(b);
  INFO("replay with SQLCRON_SIM_SEED=" << sim.seed());
  CHECK(broken.empty());
}

sqlcron::config::JobConfig sql_job(const std::string& name, const std::string& cron,
                                   const sqlcron::config::Config& c) {
  sqlcron::config::JobConfig j;
  j.name = name;
  j.sql = "SELECT 1";
  if (!cron.empty()) {
    j.schedule = sqlcron::schedule::Schedule::parse(
        cron, c.scheduler.zone,
        date::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  }
  return j;
}

std::shared_ptr<sqlcron::config::Config> empty_config() {
  auto c = std::make_shared<sqlcron::config::Config>();
  c->scheduler.zone = date::locate_zone("UTC");
  return c;
}

int count_rows(const Simulation& sim, const std::string& job, sqlcron::core::RunStatus status) {
  int n = 0;
  for (const auto& r : const_cast<Simulation&>(sim).database().rows()) {
    if (r.job == job && r.status == status) ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("a year of 200 jobs on 3 daemons with random faults keeps every rule", "[simulation]") {
  const auto seed = seed_or(20261207);
  const char* days_env = std::getenv("SQLCRON_SIM_DAYS");
  const int days = days_env != nullptr ? std::stoi(days_env) : 365;  // the year: exactly n days
  Faults faults;
  faults.every = 6h;
  faults.health_every = 10s;
  Simulation sim(seed, 200, 3, faults);
  const auto t0 = std::chrono::steady_clock::now();
  sim.run_for(std::chrono::hours(24) * days);
  sim.settle();
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto f = sim.figures();
  std::printf(
      "simulation: seed %llu, %.0f simulated days, 200 jobs, 3 daemons: %llu slots, %llu rows, "
      "%llu executions, %llu faults (%llu crashes, %llu reloads, %llu kills), %llu events in "
      "%.1f s\n",
      static_cast<unsigned long long>(seed), f.simulated_days,
      static_cast<unsigned long long>(f.slots), static_cast<unsigned long long>(f.rows),
      static_cast<unsigned long long>(f.executions), static_cast<unsigned long long>(f.faults),
      static_cast<unsigned long long>(f.stats.crashes),
      static_cast<unsigned long long>(f.stats.reloads),
      static_cast<unsigned long long>(f.stats.kills), static_cast<unsigned long long>(f.events),
      seconds);
  for (std::size_t i = 0; i < f.stats.by_kind.size(); ++i) {
    std::printf("  events of kind %zu: %llu\n", i,
                static_cast<unsigned long long>(f.stats.by_kind[i]));
  }
  CHECK(f.faults > 0);
  require_no_violations(sim);
}

TEST_CASE("a week of frequent faults, several seeds", "[simulation]") {
  const auto seed =
      std::getenv("SQLCRON_SIM_SEED") != nullptr ? seed_or(0) : GENERATE(1u, 2u, 3u, 4u, 5u);
  Faults faults;
  faults.every = 10min;
  Simulation sim(seed, 60, 3, faults);
  sim.run_for(24h * 7);
  sim.settle();
  require_no_violations(sim);
}

TEST_CASE("frequent faults: the seeds that found a rule broken", "[simulation]") {
  // Seeds 5 and 32 of the week's workload cut to one day ended with a run that waited for its
  // turn, found the database gone at its next try and was forgotten with its row `running`.
  // Seed 89's week abandoned the claimed row of a live queued run - the same slot queued again
  // after a clock jump, that claim's reply lost - so another daemon took the lease while the
  // run went on (docs/semantics.md, "Overlap"). Kept as they found it.
  // Seeds 20 and 65 lost a slot to a backward clock jump noticed only at the next wake-up, after
  // the slot had passed again while the database was away before (docs/semantics.md, "Wall-
  // clock changes").
  // Seeds 39 and 99 lost slots to a pause: a slot queued behind a run while the database was
  // away claimed its row, later than the slots the pause lost, and the catch-up (after the
  // latest recorded slot) never saw those (docs/semantics.md, "Misfires").
  // Seeds 24 and 87 found the simulation kept a connection alive across an outage: a run
  // claimed ahead of its instant then ran its SQL beside the attempt another daemon started
  // after abandoning its row; the real worker's connection dies with the server (2013).
  const auto [seed, days] = GENERATE(table<unsigned, int>(
      {{5u, 1}, {32u, 1}, {89u, 7}, {20u, 7}, {65u, 7}, {39u, 7}, {99u, 7}, {24u, 7}, {87u, 7}}));
  Faults faults;
  faults.every = 10min;
  Simulation sim(seed_or(seed), 60, 3, faults);
  sim.run_for(24h * days);
  sim.settle();
  require_no_violations(sim);
}

TEST_CASE("a success spooled before a crash is replayed, never abandoned and run again",
          "[simulation]") {
  auto c = empty_config();
  auto j = sql_job("load", "* * * * *", *c);
  j.retry = {3, 1s, 10s};
  c->jobs.push_back(j);
  Behaviour b;
  b.min_duration = b.max_duration = 30s;
  Simulation sim(seed_or(7), c, {{"load", b}}, 1);
  // Starts at 00:00:17; the 00:01:00 slot runs from 43 s to 73 s.
  sim.run_for(70s);
  sim.database_read_only(10s);  // its result cannot be written: spooled
  sim.run_for(4s);
  sim.daemon(0).crash();
  sim.run_for(16s);
  sim.daemon(0).boot();
  sim.run_for(5min);
  sim.daemon(0).terminate();
  sim.run_for(2min);
  require_no_violations(sim);
  const auto& first = sim.database().row(1);
  CHECK(first.status == sqlcron::core::RunStatus::succeeded);
  CHECK(count_rows(sim, "load", sqlcron::core::RunStatus::abandoned) == 0);
  for (const auto& r : sim.database().rows()) CHECK(r.attempt == 1);
}

TEST_CASE("a run that outlives its timeout is killed and recorded timed_out", "[simulation]") {
  auto c = empty_config();
  auto j = sql_job("hangs", "*/5 * * * *", *c);
  j.timeout = 10s;
  c->jobs.push_back(j);
  Behaviour b;
  b.hang = 1.0;
  Simulation sim(seed_or(8), c, {{"hangs", b}}, 2);
  sim.run_for(1h);
  require_no_violations(sim);
  CHECK(count_rows(sim, "hangs", sqlcron::core::RunStatus::timed_out) == 12);
  for (const auto& e : sim.database().executions()) {
    REQUIRE(e.end);
    CHECK(*e.end - e.start < 11s);
  }
}

TEST_CASE("three daemons never overlap a skip or queue job's runs", "[simulation]") {
  auto c = empty_config();
  auto skip = sql_job("skipper", "* * * * *", *c);
  auto queue = sql_job("queuer", "* * * * *", *c);
  queue.overlap = sqlcron::config::Overlap::queue;
  c->jobs = {skip, queue};
  Behaviour b;
  b.min_duration = 50s;
  b.max_duration = 150s;
  Simulation sim(seed_or(9), c, {{"skipper", b}, {"queuer", b}}, 3);
  sim.run_for(6h);
  require_no_violations(sim);
  CHECK(count_rows(sim, "skipper", sqlcron::core::RunStatus::skipped) > 30);
}

TEST_CASE("slots missed while the database was down get rows, and the policy's catch-up runs",
          "[simulation]") {
  auto c = empty_config();
  auto once = sql_job("once", "* * * * *", *c);
  once.misfire = sqlcron::config::Misfire::run_once;
  auto all = sql_job("all", "*/5 * * * *", *c);
  all.misfire = sqlcron::config::Misfire::run_all;
  auto none = sql_job("none", "*/2 * * * *", *c);
  none.misfire = sqlcron::config::Misfire::skip;
  c->jobs = {once, all, none};
  Simulation sim(seed_or(10), c, {}, 2);
  sim.run_for(10min);
  sim.database_down(30min);
  sim.run_for(2h);
  require_no_violations(sim);
  CHECK(count_rows(sim, "once", sqlcron::core::RunStatus::skipped) >= 28);
  CHECK(count_rows(sim, "none", sqlcron::core::RunStatus::skipped) >= 14);
}

TEST_CASE("the wall clock going back or forward runs no slot twice and loses none",
          "[simulation]") {
  auto c = empty_config();
  c->jobs = {sql_job("minutely", "* * * * *", *c), sql_job("hourly", "0 * * * *", *c)};
  Simulation sim(seed_or(11), c, {}, 2);
  sim.run_for(2h);
  sim.world().jump_wall(-std::chrono::duration_cast<std::chrono::nanoseconds>(1h));
  sim.run_for(2h);
  sim.world().jump_wall(std::chrono::duration_cast<std::chrono::nanoseconds>(30min));
  sim.run_for(2h);
  require_no_violations(sim);
}

TEST_CASE("a daemon killed mid-run: the run is abandoned and its next attempt runs once",
          "[simulation]") {
  auto c = empty_config();
  auto j = sql_job("long", "0 * * * *", *c);
  j.retry = {2, 1s, 1s};
  c->jobs.push_back(j);
  Behaviour b;
  b.min_duration = b.max_duration = 5min;
  Simulation sim(seed_or(12), c, {{"long", b}}, 2);
  sim.run_for(61min);  // the 01:00 slot runs
  const auto& first = sim.database().row(1);
  const bool on_zero = first.instance.rfind("host0", 0) == 0;
  sim.daemon(on_zero ? 0 : 1).crash();
  sim.run_for(10min);
  require_no_violations(sim);
  CHECK(sim.database().row(1).status == sqlcron::core::RunStatus::abandoned);
  CHECK(count_rows(sim, "long", sqlcron::core::RunStatus::succeeded) == 1);
}

TEST_CASE("SIGTERM while a retry waits: the failure is final and notified once", "[simulation]") {
  auto c = empty_config();
  auto j = sql_job("flaky", "0 * * * *", *c);
  j.retry = {3, 60s, 60s};
  j.notify = std::make_shared<const sqlcron::config::NotifyConfig>();
  c->jobs.push_back(j);
  Behaviour b;
  b.transient = 1.0;
  Simulation sim(seed_or(13), c, {{"flaky", b}}, 1);
  sim.run_for(60min + 20s);  // the 01:00 run failed; its retry waits
  sim.daemon(0).terminate();
  sim.run_for(2min);
  require_no_violations(sim);
  CHECK_FALSE(sim.daemon(0).alive());
  REQUIRE(sim.database().notified().size() == 1);
  CHECK(sim.database().notified().begin()->second == 1);
}

TEST_CASE("claims whose reply is lost leave no run `running` and no slot without a row",
          "[simulation]") {
  auto c = empty_config();
  auto j = sql_job("lossy", "* * * * *", *c);
  j.misfire = sqlcron::config::Misfire::run_all;
  c->jobs.push_back(j);
  Simulation sim(seed_or(14), c, {}, 1);
  sim.run_for(5min);
  sim.lost_replies(1.0, 3min);
  sim.run_for(1h);
  require_no_violations(sim);
}

TEST_CASE("a run waiting for its turn when the database goes away is not left `running`",
          "[simulation]") {
  // Daemon 1 runs a long run of the job and holds its overlap lease. Daemon 0 notices first that
  // the server is writable again and catches up the slot missed meanwhile: the catch-up claims
  // its row and waits for its turn behind daemon 1's run. The database goes away while it
  // waits, so its next try cannot start it. Its claimed row must not stay `running` with no run
  // behind it (holding nothing, but never finished while daemon 0 lives).
  auto c = empty_config();
  auto j = sql_job("long", "* * * * *", *c);
  j.misfire = sqlcron::config::Misfire::run_all;
  c->jobs.push_back(j);
  Behaviour b;
  b.min_duration = b.max_duration = 10min;
  Simulation sim(seed_or(15), c, {{"long", b}}, 2);
  // Daemon 0 (which wins ties) is away at 00:01:00 (43 s in): daemon 1 claims that slot and
  // runs it until 00:11:00. Daemon 0 comes back at 90.5 s, checking the database every 2 s
  // from then on, before daemon 1 each time.
  sim.run_for(20s);
  sim.daemon(0).crash();
  sim.run_for(70500ms);
  sim.daemon(0).boot();
  sim.run_for(29800ms);
  sim.database_read_only(90s);  // 120.3 s to 210.3 s: the 00:03:00 slot (163 s) is missed
  sim.run_for(90s + 30s);
  sim.database_down(20s);
  sim.run_for(1h);
  // An hour on, with both daemons alive: the catch-ups are over, their rows finished or abandoned
  // (not only once daemon 0 stops and daemon 1 sweeps its rows).
  int catchups = 0;
  for (const auto& r : sim.database().rows()) {
    if (r.cause != sqlcron::core::RunCause::catchup) continue;
    ++catchups;
    INFO("the catch-up of " << date::format("%FT%TZ", r.slot) << ", run " << r.id);
    CHECK(r.status != sqlcron::core::RunStatus::running);
  }
  CHECK(catchups > 0);
  require_no_violations(sim);
}
