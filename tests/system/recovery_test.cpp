// Black-box tests of the manual ways a pipeline run can start (issue 16): backfill and run-now
// fire failure hooks and notify like the daemon; run-now on a chain's root runs the chain (or,
// with --only, records its steps skipped so that no daemon starts them as a misfire); rerun
// re-runs one pipeline instance from its failed step with its own slot; status --chains and the
// view pipeline_instances; {chain_run_id} as an argument.
#include <catch2/catch.hpp>
#include <csignal>
#include <thread>

#include "support/system_harness.hpp"
#include "support/test_database.hpp"

using namespace std::chrono_literals;
using sqlcron::test::at_in;
using sqlcron::test::ConfigSpec;
using sqlcron::test::count;
using sqlcron::test::Process;
using sqlcron::test::sqlcrond;
using sqlcron::test::TempDir;

namespace {

constexpr const char* kState = "st_recover_state";
constexpr const char* kWork = "st_recover_work";
const std::string kRuns = std::string(kState) + ".runs";
const std::string kSteps = std::string(kWork) + ".steps";

// step(job, slot, chain): one row per call; fails with SQLSTATE 45000 while `broken` holds the
// job. alerts: what the failure hook received.
void prepare() {
  sqlcron::test::prepare_schemas(kState, kWork);
  auto w = sqlcron::test::connect(kWork);
  w->execute_raw(
      "CREATE TABLE steps (id INT AUTO_INCREMENT PRIMARY KEY, job VARCHAR(64), slot DATETIME,"
      " chain BIGINT)");
  w->execute_raw("CREATE TABLE broken (job VARCHAR(64) PRIMARY KEY)");
  w->execute_raw(
      "CREATE PROCEDURE step(IN p_job VARCHAR(64), IN p_slot DATETIME, IN p_chain BIGINT) BEGIN "
      "IF EXISTS (SELECT 1 FROM broken WHERE job = p_job) THEN "
      "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'step is broken'; END IF; "
      "INSERT INTO steps (job, slot, chain) VALUES (p_job, p_slot, p_chain); END");
  w->execute_raw(
      "CREATE TABLE alerts (failed_job VARCHAR(64), failed_run_id BIGINT, message TEXT)");
}

std::string step_job(const std::string& name, const std::string& trigger,
                     const std::string& extra = "") {
  return "  - name: " + name + "\n    " + trigger + "\n    call: step\n    args: [\"" + name +
         "\", \"{scheduled_for}\", \"{chain_run_id}\"]\n" + extra;
}

// extract -> transform -> load; transform fires `alert` and a notify command writing `notified`.
std::string pipeline(const std::string& notified) {
  return step_job("extract", "schedule: \"0 0 * * *\"") +
         step_job("transform", "after: [extract]",
                  "    on_failure: [alert]\n"
                  "    notify:\n"
                  "      command: [/bin/sh, -c, 'echo \"$SQLCRON_JOB $1\" >> " +
                      notified +
                      "', sh, \"{failed_run_id}\"]\n"
                      "      timeout: 10s\n") +
         step_job("load", "after: [transform]") +
         "  - name: alert\n"
         "    sql: INSERT INTO alerts VALUES (?, ?, ?)\n"
         "    args: [\"{failed_job}\", \"{failed_run_id}\", \"{error_message}\"]\n";
}

std::string setup(const TempDir& dir, const std::string& jobs) {
  prepare();
  auto config = write_config(dir, ConfigSpec{kState, kWork, jobs, "10s", "", "", "off", ""});
  REQUIRE(sqlcrond({"--config", config, "migrate"}).exit_code == 0);
  return config;
}

void set_broken(const std::string& job, bool broken) {
  auto w = sqlcron::test::connect(kWork);
  if (broken) {
    w->execute("INSERT IGNORE INTO broken VALUES (?)", {job});
  } else {
    w->execute("DELETE FROM broken WHERE job = ?", {job});
  }
}

}  // namespace

TEST_CASE("backfill fires the failure hook and notify of each final failure", "[system][recover]") {
  TempDir dir;
  const auto notified = (dir.path() / "notified.txt").string();
  const auto config = setup(dir, pipeline(notified));
  set_broken("transform", true);
  const auto r = sqlcrond({"--config", config, "backfill", "extract", "--from", "2026-01-01",
                           "--to", "2026-01-03", "--chain"});
  INFO(r.output);
  CHECK(r.exit_code == 1);
  auto db = sqlcron::test::connect();
  // Three slots, three final failures of transform: three hook runs, notifications, commands.
  const auto failed = db->query("SELECT run_id FROM " + kRuns +
                                " WHERE job = 'transform' AND status = 'failed' ORDER BY run_id");
  REQUIRE(failed.rows.size() == 3);
  const auto alerts = db->query("SELECT failed_job, failed_run_id, message FROM " +
                                std::string(kWork) + ".alerts ORDER BY failed_run_id");
  REQUIRE(alerts.rows.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(alerts.rows[i][0] == "transform");
    CHECK(alerts.rows[i][1] == failed.rows[i][0]);
    CHECK(alerts.rows[i][2] == "step is broken");
  }
  CHECK(count(*db,
              "SELECT COUNT(*) FROM " + kRuns +
                  " WHERE job = 'alert' AND cause = 'failure_hook' AND status = 'succeeded'") == 3);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + std::string(kState) +
                       ".notifications WHERE job = 'transform' AND exit_code = 0") == 3);
  CHECK(sqlcron::test::read_text(notified) == "transform " + *failed.rows[0][0] + "\ntransform " +
                                                  *failed.rows[1][0] + "\ntransform " +
                                                  *failed.rows[2][0] + "\n");
  // The step below each failure is skipped with the daemon's reason.
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kRuns +
                       " WHERE job = 'load' AND status = 'skipped'"
                       " AND error_message LIKE 'upstream transform failed (run %'") == 3);
}

TEST_CASE("run-now fires the failure hook and notify of a final failure", "[system][recover]") {
  TempDir dir;
  const auto notified = (dir.path() / "notified.txt").string();
  const auto config = setup(dir, pipeline(notified));
  set_broken("transform", true);
  const auto r = sqlcrond({"--config", config, "run-now", "transform", "--wait"});
  INFO(r.output);
  CHECK(r.exit_code == 1);
  auto db = sqlcron::test::connect();
  const auto failed = db->query("SELECT run_id FROM " + kRuns + " WHERE job = 'transform'");
  REQUIRE(failed.rows.size() == 1);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + std::string(kWork) +
                       ".alerts WHERE failed_run_id = " + *failed.rows[0][0]) == 1);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + std::string(kState) +
                       ".notifications WHERE run_id = " + *failed.rows[0][0]) == 1);
  CHECK(sqlcron::test::read_text(notified) == "transform " + *failed.rows[0][0] + "\n");
}

TEST_CASE("run-now on a chain's root runs the chain, --only records its steps skipped",
          "[system][recover]") {
  TempDir dir;
  const auto config = setup(dir, pipeline((dir.path() / "n.txt").string()));
  auto db = sqlcron::test::connect();
  auto r = sqlcrond({"--config", config, "run-now", "extract", "--wait"});
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("its steps follow for the same slot: transform, load"));
  // The three steps ran once each, in order, for the root's slot, tied to the root's run.
  const auto runs = db->query(
      "SELECT job, cause, status, scheduled_for, COALESCE(chain_run_id, "
      "run_id), run_id FROM " +
      kRuns + " ORDER BY run_id");
  REQUIRE(runs.rows.size() == 3);
  CHECK(runs.rows[0][0] == "extract");
  CHECK(runs.rows[0][1] == "manual");
  CHECK(runs.rows[1][0] == "transform");
  CHECK(runs.rows[2][0] == "load");
  for (const auto& row : runs.rows) {
    CHECK(row[2] == "succeeded");
    CHECK(row[3] == runs.rows[0][3]);
    CHECK(row[4] == runs.rows[0][5]);
  }
  CHECK(runs.rows[1][1] == "chain");
  // {chain_run_id}: every step got the instance's id (the root's run id).
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kSteps + " WHERE chain = " + *runs.rows[0][5]) == 3);

  // --only: just the job; its steps are recorded skipped for its slot and say why.
  std::this_thread::sleep_for(1100ms);  // another second: a slot of its own
  r = sqlcrond({"--config", config, "run-now", "extract", "--only", "--wait"});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("only extract runs; its chain steps are recorded skipped"));
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kRuns +
                       " WHERE job IN ('transform', 'load') AND status = 'skipped'"
                       " AND error_message = 'not run: run-now --only extract'") == 2);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kSteps) == 4);

  // A daemon started afterwards finds no lost chain step to start as a misfire: its first
  // own run (a one-shot soon) comes after its start-up catch-up, and nothing else ran.
  const auto with_marker = write_config(
      dir,
      ConfigSpec{kState, kWork,
                 pipeline((dir.path() / "n.txt").string()) + step_job("marker", at_in(2s)), "10s",
                 "", "", "off", ""},
      "serve.yaml");
  const auto log = (dir.path() / "serve.log").string();
  Process serve(sqlcron::test::serve_argv(with_marker), log);
  sqlcron::test::wait_for(*db, "SELECT COUNT(*) FROM " + kSteps + " WHERE job = 'marker'", "1",
                          20s);
  serve.signal(SIGTERM);
  REQUIRE(serve.wait(20s).has_value());
  INFO(sqlcron::test::read_text(log));
  CHECK(sqlcron::test::read_text(log).find("misfire") == std::string::npos);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kSteps + " WHERE job <> 'marker'") == 4);
}

TEST_CASE("rerun re-runs one pipeline instance from its failed step with its own slot",
          "[system][recover]") {
  TempDir dir;
  const auto config = setup(dir, pipeline((dir.path() / "n.txt").string()));
  auto db = sqlcron::test::connect();
  set_broken("transform", true);
  REQUIRE(sqlcrond({"--config", config, "backfill", "extract", "--from", "2026-01-01", "--to",
                    "2026-01-02", "--chain"})
              .exit_code == 1);
  const auto root = db->query("SELECT run_id FROM " + kRuns +
                              " WHERE job = 'extract' AND scheduled_for = '2026-01-02'");
  REQUIRE(root.rows.size() == 1);
  const auto instance = *root.rows[0][0];
  const auto failed = *db->query("SELECT run_id FROM " + kRuns +
                                 " WHERE job = 'transform' AND scheduled_for = '2026-01-02'")
                           .rows[0][0];

  // status --chains: one line per instance, with its failed step and error.
  auto r = sqlcrond({"--config", config, "status", "--chains"});
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("CHAIN") && Catch::Contains("FAILED STEP"));
  const auto at = r.output.find("2026-01-02 00:00:00");
  REQUIRE(at != std::string::npos);
  const auto begin = r.output.rfind('\n', at) + 1;
  const auto line = r.output.substr(begin, r.output.find('\n', at) - begin);
  CHECK_THAT(line, Catch::StartsWith(instance + " ") && Catch::Contains(" extract ") &&
                       Catch::Contains(" transform ") && Catch::Contains(" " + failed + " ") &&
                       Catch::EndsWith("step is broken"));
  CHECK(count(*db, "SELECT COUNT(*) FROM " + std::string(kState) +
                       ".pipeline_instances WHERE succeeded = 1 AND failed = 1 AND skipped = 1"
                       " AND failed_job = 'transform' AND failed_run_id = " +
                       failed +
                       " AND error_message = 'step is broken' AND root_job = 'extract'"
                       " AND slot = '2026-01-02'") == 1);

  // Fixed: rerun, named by the failed step's run id, runs transform and load for 2026-01-02
  // only, recorded as manual runs of the same instance.
  set_broken("transform", false);
  r = sqlcrond({"--config", config, "rerun", failed});
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("rerun from transform"));
  const auto rerun =
      db->query("SELECT job, cause, status, scheduled_for, chain_run_id, attempt FROM " + kRuns +
                " WHERE run_id > " + failed +
                " AND cause <> 'failure_hook' AND status <> 'skipped'"
                " AND scheduled_for = '2026-01-02' ORDER BY run_id");
  REQUIRE(rerun.rows.size() == 2);
  CHECK(rerun.rows[0][0] == "transform");
  CHECK(rerun.rows[1][0] == "load");
  for (const auto& row : rerun.rows) {
    CHECK(row[1] == "manual");
    CHECK(row[2] == "succeeded");
    CHECK(row[3] == "2026-01-02 00:00:00");
    CHECK(row[4] == instance);
  }
  CHECK(rerun.rows[0][5] == "2");  // the next attempt of the slot; the failure stays in the log
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kSteps +
                       " WHERE slot = '2026-01-02' AND chain = " + instance) == 3);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kSteps + " WHERE slot = '2026-01-01'") == 1);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + std::string(kState) +
                       ".pipeline_instances WHERE chain_run_id = " + instance +
                       " AND succeeded = 3 AND failed = 0 AND skipped = 0") == 1);

  // Nothing left to rerun; --from reruns from a step; bad requests exit 64.
  r = sqlcrond({"--config", config, "rerun", instance});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("nothing to rerun"));
  r = sqlcrond({"--config", config, "rerun", instance, "--from", "extract"});
  CHECK(r.exit_code == 0);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kSteps + " WHERE slot = '2026-01-02'") == 6);
  r = sqlcrond({"--config", config, "rerun", instance, "--from", "alert"});
  CHECK(r.exit_code == 64);
  CHECK_THAT(r.output, Catch::Contains("'alert' is no step of instance " + instance));
  r = sqlcrond({"--config", config, "rerun", "999999"});
  CHECK(r.exit_code == 64);
  CHECK_THAT(r.output, Catch::Contains("no run 999999"));
  r = sqlcrond({"--config", config, "rerun"});
  CHECK(r.exit_code == 64);
}
