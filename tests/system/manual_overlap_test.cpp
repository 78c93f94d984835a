// Black-box tests of manual runs and the overlap rule (issue 16's adversarial pass): a manual run
// (run-now, backfill, rerun) never runs beside another run of its job - it waits for its turn -
// and `rerun` refuses an instance one of whose steps still runs, instead of running that step
// (and the steps below it) a second time beside it.
#include <catch2/catch.hpp>
#include <csignal>

#include "support/system_harness.hpp"
#include "support/test_database.hpp"

using namespace std::chrono_literals;
using sqlcron::test::ConfigSpec;
using sqlcron::test::count;
using sqlcron::test::sqlcrond;
using sqlcron::test::TempDir;

namespace {

constexpr const char* kState = "st_manual_state";
constexpr const char* kWork = "st_manual_work";
const std::string kRuns = std::string(kState) + ".runs";
const std::string kCalls = std::string(kWork) + ".calls";

// work(job, seconds): one row per call, with when it began and ended.
std::string setup(const TempDir& dir, const std::string& jobs) {
  sqlcron::test::prepare_schemas(kState, kWork);
  auto w = sqlcron::test::connect(kWork);
  w->execute_raw(
      "CREATE TABLE calls (id INT AUTO_INCREMENT PRIMARY KEY, job VARCHAR(64),"
      " began DATETIME(6), ended DATETIME(6))");
  w->execute_raw(
      "CREATE PROCEDURE work(IN p_job VARCHAR(64), IN p_seconds DOUBLE) BEGIN "
      "DECLARE v_id INT; INSERT INTO calls (job, began) VALUES (p_job, NOW(6)); "
      "SET v_id = LAST_INSERT_ID(); DO SLEEP(p_seconds); "
      "UPDATE calls SET ended = NOW(6) WHERE id = v_id; END");
  auto config = write_config(dir, ConfigSpec{kState, kWork, jobs, "10s", "", "", "off", ""});
  REQUIRE(sqlcrond({"--config", config, "migrate"}).exit_code == 0);
  return config;
}

std::string work_job(const std::string& name, const std::string& trigger, double seconds) {
  return "  - name: " + name + "\n    " + trigger + "\n    call: work\n    args: [\"" + name +
         "\", " + std::to_string(seconds) + "]\n";
}

}  // namespace

TEST_CASE("a manual run waits for the running run of its job instead of running beside it",
          "[system][recover]") {
  TempDir dir;
  const auto config = setup(dir, work_job("slow", "schedule: \"0 0 1 1 *\"", 1.5));
  auto db = sqlcron::test::connect();
  // The first run-now returns once its run started (a detached child runs it); the second asks
  // for the same job while it runs.
  REQUIRE(sqlcrond({"--config", config, "run-now", "slow"}).exit_code == 0);
  const auto second = sqlcrond({"--config", config, "run-now", "slow", "--wait"});
  INFO(second.output);
  CHECK(second.exit_code == 0);
  sqlcron::test::wait_for(*db, "SELECT COUNT(*) FROM " + kCalls + " WHERE ended IS NOT NULL", "2",
                          20s);
  // One after the other: the second began once the first had ended.
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kCalls + " a JOIN " + kCalls +
                       " b ON a.id < b.id WHERE b.began < a.ended") == 0);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kRuns +
                       " WHERE job = 'slow' AND cause = 'manual' AND status = 'succeeded'") == 2);
}

TEST_CASE("rerun refuses an instance whose step still runs", "[system][recover]") {
  TempDir dir;
  const auto config =
      setup(dir, work_job("root", "schedule: \"0 0 1 1 *\"", 0) +
                     work_job("step", "after: [root]", 2) + work_job("last", "after: [step]", 0));
  auto db = sqlcron::test::connect();
  REQUIRE(sqlcrond({"--config", config, "run-now", "root"}).exit_code == 0);
  sqlcron::test::wait_for(
      *db, "SELECT COUNT(*) FROM " + kRuns + " WHERE job = 'step' AND status = 'running'", "1",
      20s);
  const auto root = *db->query("SELECT run_id FROM " + kRuns + " WHERE job = 'root'").rows[0][0];
  const auto r = sqlcrond({"--config", config, "rerun", root, "--from", "step"});
  INFO(r.output);
  CHECK(r.exit_code == 75);
  CHECK_THAT(r.output, Catch::Contains("instance " + root + " is still running") &&
                           Catch::Contains(" of step on "));
  sqlcron::test::wait_for(
      *db, "SELECT COUNT(*) FROM " + kRuns + " WHERE job = 'last' AND status = 'succeeded'", "1",
      20s);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kCalls + " WHERE job = 'step'") == 1);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kRuns + " WHERE job = 'last'") == 1);
}

TEST_CASE("backfill does not start again a slot another process is running", "[system][recover]") {
  TempDir dir;
  const auto config = setup(dir, work_job("daily", "schedule: \"0 0 * * *\"", 2));
  auto db = sqlcron::test::connect();
  const std::vector<std::string> args{"--config", config,       "backfill", "daily",
                                      "--from",   "2026-01-01", "--to",     "2026-01-01"};
  std::vector<std::string> argv{sqlcron::test::sqlcrond_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  sqlcron::test::Process first(argv, (dir.path() / "first.log").string());
  sqlcron::test::wait_for(
      *db, "SELECT COUNT(*) FROM " + kRuns + " WHERE job = 'daily' AND status = 'running'", "1",
      20s);
  const auto second = sqlcrond(args);
  INFO(second.output);
  CHECK(second.exit_code == 1);
  CHECK_THAT(second.output,
             Catch::Contains("daily: running (run ") && Catch::Contains("not started again"));
  REQUIRE(first.wait(20s).has_value());
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kCalls + " WHERE job = 'daily'") == 1);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kRuns + " WHERE job = 'daily'") == 1);
}

TEST_CASE("run-now in a second whose slot has runs takes the next free second: its own instance",
          "[system][recover]") {
  TempDir dir;
  const auto config = setup(
      dir, work_job("root", "schedule: \"0 0 1 1 *\"", 0) + work_job("step", "after: [root]", 0));
  auto db = sqlcron::test::connect();
  // The slots of the next seconds are taken, root and step succeeded (a watched or scheduled
  // instance, another run-now): a run-now now must not become their next attempt.
  for (int i = 0; i < 4; ++i) {
    for (const std::string job : {"root", "step"}) {
      db->execute(
          "INSERT INTO " + kRuns +
              " (job, scheduled_for, attempt, cause, instance, started_at, finished_at,"
              " status, duration_ms) VALUES (?, DATE_ADD(UTC_TIMESTAMP(), INTERVAL ? SECOND),"
              " 1, 'schedule', 'other', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), 'succeeded', 1)",
          {job, static_cast<std::int64_t>(i)});
    }
  }
  const auto r = sqlcrond({"--config", config, "run-now", "root", "--wait"});
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kCalls + " WHERE job = 'step'") == 1);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kRuns +
                       " WHERE job = 'root' AND cause = 'manual' AND attempt = 1") == 1);
}

TEST_CASE("the one-shot commands never run a disabled chain step", "[system][recover]") {
  TempDir dir;
  const auto config = setup(dir, work_job("root", "schedule: \"0 0 * * *\"", 0) +
                                     work_job("off", "after: [root]", 0) + "    enabled: false\n" +
                                     work_job("last", "after: [off]", 0));
  auto db = sqlcron::test::connect();
  const auto r = sqlcrond({"--config", config, "backfill", "root", "--from", "2026-01-01", "--to",
                           "2026-01-01", "--chain"});
  INFO(r.output);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kCalls + " WHERE job IN ('off', 'last')") == 0);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kRuns +
                       " WHERE job = 'off' AND status = 'skipped' AND error_message = 'the job is "
                       "disabled'") == 1);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kRuns +
                       " WHERE job = 'last' AND status = 'skipped' AND error_message = 'upstream "
                       "off was skipped (the job is disabled)'") == 1);
}

TEST_CASE("SIGINT stops a backfill after its run in progress, a second one kills that run",
          "[system][recover]") {
  TempDir dir;
  const auto config = setup(dir, work_job("daily", "schedule: \"0 0 * * *\"", 2));
  auto db = sqlcron::test::connect();
  std::vector<std::string> argv{sqlcron::test::sqlcrond_path(),
                                "--config",
                                config,
                                "backfill",
                                "daily",
                                "--from",
                                "2026-01-01",
                                "--to",
                                "2026-01-03"};
  const auto running =
      "SELECT COUNT(*) FROM " + kRuns + " WHERE job = 'daily' AND status = 'running'";
  {
    sqlcron::test::Process backfill(argv, (dir.path() / "first.log").string());
    sqlcron::test::wait_for(*db, running, "1", 20s);
    backfill.signal(SIGINT);
    const auto code = backfill.wait(20s);
    INFO(sqlcron::test::read_text((dir.path() / "first.log").string()));
    REQUIRE(code.has_value());
    CHECK(*code == 130);
  }
  // The run in progress ended and was recorded; the other slots were not started.
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kRuns + " WHERE job = 'daily'") == 1);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kRuns + " WHERE status = 'succeeded'") == 1);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kCalls + " WHERE ended IS NOT NULL") == 1);

  // Twice: the run is killed and recorded cancelled - never left running.
  argv.back() = "2026-01-02";
  sqlcron::test::Process again(argv, (dir.path() / "second.log").string());
  sqlcron::test::wait_for(*db, running, "1", 20s);
  again.signal(SIGINT);
  // Signals of one kind do not queue: the second is sent once the first was taken.
  sqlcron::test::wait_for_log((dir.path() / "second.log").string(), "SIGINT again kills it", 10s);
  again.signal(SIGINT);
  const auto code = again.wait(20s);
  INFO(sqlcron::test::read_text((dir.path() / "second.log").string()));
  REQUIRE(code.has_value());
  CHECK(*code == 130);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kRuns +
                       " WHERE scheduled_for = '2026-01-02' AND status = 'cancelled'") == 1);
  CHECK(count(*db, running) == 0);
}

TEST_CASE("SIGINT during a retry backoff ends it: no further attempt", "[system][recover]") {
  TempDir dir;
  const auto config = setup(dir,
                            "  - name: flaky\n    schedule: \"0 0 * * *\"\n    call: deadlock\n"
                            "    retry: {attempts: 3, backoff: 60s}\n");
  sqlcron::test::connect(kWork)->execute_raw(
      "CREATE PROCEDURE deadlock() BEGIN INSERT INTO calls (job, began) VALUES ('flaky', NOW(6));"
      " SIGNAL SQLSTATE '40001' SET MESSAGE_TEXT = 'Deadlock found', MYSQL_ERRNO = 1213; END");
  auto db = sqlcron::test::connect();
  const auto log = (dir.path() / "backfill.log").string();
  sqlcron::test::Process backfill({sqlcron::test::sqlcrond_path(), "--config", config, "backfill",
                                   "flaky", "--from", "2026-01-01", "--to", "2026-01-01"},
                                  log);
  sqlcron::test::wait_for_log(log, "flaky: run ", 20s);  // its first attempt failed
  backfill.signal(SIGINT);
  const auto code = backfill.wait(10s);  // not the 60 s backoff
  INFO(sqlcron::test::read_text(log));
  REQUIRE(code.has_value());
  CHECK(*code == 130);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kCalls + " WHERE job = 'flaky'") == 1);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kRuns + " WHERE job = 'flaky'") == 1);
}
