// Black-box tests of pipelines against the test MariaDB: chains (after:), failure hooks
// (on_failure:), notify commands, the cycle check and backfill.
#include <catch2/catch.hpp>
#include <csignal>
#include <thread>

#include "support/system_harness.hpp"
#include "support/test_database.hpp"

using namespace std::chrono_literals;
using sqlcron::test::at_in;
using sqlcron::test::ConfigSpec;
using sqlcron::test::Process;
using sqlcron::test::sqlcrond;
using sqlcron::test::TempDir;

namespace {

constexpr const char* kState = "st_pipe_state";
constexpr const char* kWork = "st_pipe_work";

// steps(job, slot, at): one row per call of step(job, slot); fails(): a deadlock every time
// (transient: retried); alerts: what the failure hook received.
void prepare() {
  sqlcron::test::prepare_schemas(kState, kWork);
  auto w = sqlcron::test::connect(kWork);
  w->execute_raw(
      "CREATE TABLE steps (id INT AUTO_INCREMENT PRIMARY KEY, job VARCHAR(64), slot DATETIME,"
      " at DATETIME(6))");
  w->execute_raw(
      "CREATE PROCEDURE step(IN p_job VARCHAR(64), IN p_slot DATETIME)"
      " INSERT INTO steps (job, slot, at) VALUES (p_job, p_slot, NOW(6))");
  w->execute_raw(
      "CREATE PROCEDURE fails(IN p_slot DATETIME) BEGIN "
      "INSERT INTO steps (job, slot, at) VALUES ('fails', p_slot, NOW(6)); "
      "SIGNAL SQLSTATE '40001' SET MESSAGE_TEXT = 'Deadlock found when trying to get lock',"
      " MYSQL_ERRNO = 1213; END");
  w->execute_raw(
      "CREATE TABLE alerts (failed_job VARCHAR(64), failed_run_id BIGINT, error_code INT,"
      " message TEXT, slot DATETIME, at DATETIME(6))");
}

ConfigSpec spec(const std::string& jobs) { return ConfigSpec{kState, kWork, jobs, "10s", "", ""}; }

std::string step_job(const std::string& name, const std::string& trigger) {
  return "  - name: " + name + "\n    " + trigger + "\n    call: step\n    args: [\"" + name +
         "\", \"{scheduled_for}\"]\n";
}

void stop(Process& serve, const std::string& log) {
  serve.signal(SIGTERM);
  const auto code = serve.wait(20s);
  INFO(sqlcron::test::read_text(log));
  REQUIRE(code.has_value());
  CHECK(*code == 0);
}

}  // namespace

TEST_CASE("a three-step chain runs in order for each slot with the root's scheduled_for",
          "[system][pipeline]") {
  prepare();
  TempDir dir;
  const auto config = write_config(dir, spec(step_job("extract", "schedule: \"* * * * * *\"") +
                                             step_job("transform", "after: [extract]") +
                                             step_job("load", "after: [transform]")));
  REQUIRE(sqlcrond({"--config", config, "migrate"}).exit_code == 0);
  const auto log = (dir.path() / "serve.log").string();
  Process serve(sqlcron::test::serve_argv(config), log);
  auto db = sqlcron::test::connect();
  const std::string work = kWork;
  const std::string state = kState;
  sqlcron::test::wait_for(*db, "SELECT COUNT(*) >= 3 FROM " + work + ".steps WHERE job = 'load'",
                          "1", 20s);
  stop(serve, log);

  // Every slot whose last step ran: the three steps ran once each, in order, for that slot.
  const auto slots =
      db->query("SELECT DISTINCT slot FROM " + work + ".steps WHERE job = 'load' ORDER BY slot");
  REQUIRE(slots.rows.size() >= 3);
  for (const auto& slot : slots.rows) {
    INFO("slot " << *slot[0]);
    const auto rs =
        db->query("SELECT job FROM " + work + ".steps WHERE slot = ? ORDER BY at, id", {*slot[0]});
    REQUIRE(rs.rows.size() == 3);
    CHECK(rs.rows[0][0] == "extract");
    CHECK(rs.rows[1][0] == "transform");
    CHECK(rs.rows[2][0] == "load");
    // In the run log: one pipeline instance, the steps caused by the chain and tied to the
    // root run.
    const auto runs = db->query("SELECT job, cause, status, COALESCE(chain_run_id, run_id) FROM " +
                                    state + ".runs WHERE scheduled_for = ? ORDER BY run_id",
                                {*slot[0]});
    REQUIRE(runs.rows.size() == 3);
    CHECK(runs.rows[0][0] == "extract");
    CHECK(runs.rows[0][1] == "schedule");
    for (std::size_t i = 1; i < 3; ++i) {
      CHECK(runs.rows[i][1] == "chain");
      CHECK(runs.rows[i][3] == runs.rows[0][3]);
    }
    for (const auto& r : runs.rows) CHECK(r[2] == "succeeded");
  }
  // runs --chain shows one pipeline instance, in run order.
  const auto root = db->query("SELECT MIN(run_id) FROM " + state + ".runs WHERE scheduled_for = ?",
                              {*slots.rows[0][0]});
  const auto out =
      sqlcrond({"--config", config, "runs", "--chain", *root.rows[0][0], "--format", "csv"});
  REQUIRE(out.exit_code == 0);
  const auto& text = out.output;
  const auto e = text.find(",extract,");
  const auto t = text.find(",transform,");
  const auto l = text.find(",load,");
  INFO(text);
  CHECK(e != std::string::npos);
  CHECK(t > e);
  CHECK(l > t);
  CHECK(l != std::string::npos);
  // status shows the chain indented under its root.
  const auto status = sqlcrond({"--config", config, "status"});
  REQUIRE(status.exit_code == 0);
  CHECK_THAT(status.output, Catch::Contains("  `- transform") && Catch::Contains("    `- load"));
}

TEST_CASE(
    "a failing middle step stops the rest and fires the failure hook once, after the last "
    "retry",
    "[system][pipeline]") {
  prepare();
  TempDir dir;
  const auto notified = (dir.path() / "notified.txt").string();
  const auto jobs =
      step_job("first", at_in(3s)) +
      "  - name: middle\n"
      "    after: [first]\n"
      "    call: fails\n"
      "    args: [\"{scheduled_for}\"]\n"
      "    retry: {attempts: 3, backoff: 200ms, max_backoff: 400ms}\n"
      "    on_failure: [alert]\n"
      "    notify:\n"
      "      command: [/bin/sh, -c, 'echo \"$SQLCRON_JOB $SQLCRON_STATUS $1\" >> " +
      notified +
      "; echo done', sh, \"{failed_run_id}\"]\n"
      "      timeout: 10s\n" +
      step_job("last", "after: [middle]") +
      "  - name: alert\n"
      "    sql: INSERT INTO alerts VALUES (?, ?, ?, ?, ?, NOW(6))\n"
      "    args: [\"{failed_job}\", \"{failed_run_id}\", \"{error_code}\", \"{error_message}\","
      " \"{scheduled_for}\"]\n";
  const auto config = write_config(dir, spec(jobs));
  REQUIRE(sqlcrond({"--config", config, "migrate"}).exit_code == 0);
  const auto log = (dir.path() / "serve.log").string();
  Process serve(sqlcron::test::serve_argv(config), log);
  auto db = sqlcron::test::connect();
  const std::string work = kWork;
  const std::string state = kState;
  sqlcron::test::wait_for(*db, "SELECT COUNT(*) FROM " + state + ".notifications", "1", 30s);
  sqlcron::test::wait_for(*db, "SELECT COUNT(*) FROM " + work + ".alerts", "1", 10s);
  stop(serve, log);

  // middle: three attempts, all failed; its final one is what the hook and notify reported.
  const auto middle = db->query("SELECT run_id, attempt, status, cause, scheduled_for FROM " +
                                state + ".runs WHERE job = 'middle' ORDER BY attempt");
  REQUIRE(middle.rows.size() == 3);
  for (const auto& r : middle.rows) CHECK(r[2] == "failed");
  CHECK(middle.rows[0][3] == "chain");
  CHECK(middle.rows[2][3] == "retry");
  const auto last_attempt = *middle.rows[2][0];
  CHECK(sqlcron::test::count(*db, "SELECT COUNT(*) FROM " + work + ".steps WHERE job = 'fails'") ==
        3);
  // The rest of the chain is skipped, with the reason.
  const auto last = db->query("SELECT status, error_message, scheduled_for FROM " + state +
                              ".runs WHERE job = 'last'");
  REQUIRE(last.rows.size() == 1);
  CHECK(last.rows[0][0] == "skipped");
  CHECK_THAT(*last.rows[0][1], Catch::Contains("upstream middle failed (run " + last_attempt));
  CHECK(last.rows[0][2] == middle.rows[0][4]);
  CHECK(sqlcron::test::count(*db, "SELECT COUNT(*) FROM " + work + ".steps WHERE job = 'last'") ==
        0);
  // The hook ran exactly once, after the last attempt, with the failure's fields.
  const auto alerts =
      db->query("SELECT failed_job, failed_run_id, error_code, message FROM " + work + ".alerts");
  REQUIRE(alerts.rows.size() == 1);
  CHECK(alerts.rows[0][0] == "middle");
  CHECK(alerts.rows[0][1] == last_attempt);
  CHECK(alerts.rows[0][2] == "1213");
  CHECK_THAT(*alerts.rows[0][3], Catch::Contains("Deadlock found"));
  const auto hook = db->query("SELECT cause, status, COALESCE(chain_run_id, 0) FROM " + state +
                              ".runs WHERE job = 'alert'");
  REQUIRE(hook.rows.size() == 1);
  CHECK(hook.rows[0][0] == "failure_hook");
  CHECK(hook.rows[0][1] == "succeeded");
  CHECK(sqlcron::test::count(*db, "SELECT COUNT(*) FROM " + state + ".runs r JOIN " + state +
                                      ".runs m ON m.run_id = " + last_attempt +
                                      " WHERE r.job = 'alert' AND r.started_at >= m.finished_at") ==
        1);
  // The notify command ran once, with the run's fields in its environment and argv; its exit
  // and output are recorded.
  CHECK(sqlcron::test::read_text(notified) == "middle failed " + last_attempt + "\n");
  const auto n =
      db->query("SELECT run_id, exit_code, timed_out, output FROM " + state + ".notifications");
  REQUIRE(n.rows.size() == 1);
  CHECK(n.rows[0][0] == last_attempt);
  CHECK(n.rows[0][1] == "0");
  CHECK(n.rows[0][2] == "0");
  CHECK(n.rows[0][3] == "done\n");
  // The command is stored as its argv, a JSON array: the script (one argument with spaces)
  // stays one element.
  const auto argv = db->query(
      "SELECT JSON_VALID(command), JSON_LENGTH(command),"
      " JSON_UNQUOTE(JSON_EXTRACT(command, '$[0]')), JSON_UNQUOTE(JSON_EXTRACT(command, '$[4]'))"
      " FROM " +
      state + ".notifications");
  REQUIRE(argv.rows.size() == 1);
  CHECK(argv.rows[0][0] == "1");
  CHECK(argv.rows[0][1] == "5");
  CHECK(argv.rows[0][2] == "/bin/sh");
  CHECK(argv.rows[0][3] == last_attempt);
}

TEST_CASE("check-config rejects a cycle in after: and shows its path", "[system][pipeline]") {
  TempDir dir;
  const auto config =
      write_config(dir, spec(step_job("a", "schedule: \"@daily\"") +
                             step_job("b", "after: [a, c]") + step_job("c", "after: [b]")));
  const auto r = sqlcrond({"--config", config, "check-config"});
  CHECK(r.exit_code == 78);
  CHECK_THAT(r.output, Catch::Contains("jobs[") && Catch::Contains("the chain has a cycle: ") &&
                           (Catch::Contains("b -> c -> b") || Catch::Contains("c -> b -> c")));
}

TEST_CASE("a backfill over 10 slots runs 10 times, then again is a no-op", "[system][pipeline]") {
  prepare();
  TempDir dir;
  const auto config = write_config(dir, spec(step_job("daily", "schedule: \"0 0 * * *\"") +
                                             step_job("report", "after: [daily]")));
  REQUIRE(sqlcrond({"--config", config, "migrate"}).exit_code == 0);
  auto db = sqlcron::test::connect();
  const std::string work = kWork;
  const std::string state = kState;
  const std::vector<std::string> range{"--from", "2026-01-01", "--to", "2026-01-10 00:00:00"};
  const auto backfill = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"--config", config, "backfill", "daily"};
    args.insert(args.end(), range.begin(), range.end());
    args.insert(args.end(), extra.begin(), extra.end());
    return sqlcrond(args);
  };

  auto r = backfill({});
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("10 slots: 10 runs (10 succeeded, 0 failed)"));
  // Oldest first, one run per midnight, each seeing its own slot.
  const auto rs = db->query("SELECT slot FROM " + work + ".steps WHERE job = 'daily' ORDER BY id");
  REQUIRE(rs.rows.size() == 10);
  for (int d = 1; d <= 10; ++d) {
    CHECK(rs.rows[d - 1][0] ==
          "2026-01-" + std::string(d < 10 ? "0" : "") + std::to_string(d) + " 00:00:00");
  }
  CHECK(sqlcron::test::count(*db, "SELECT COUNT(*) FROM " + state +
                                      ".runs WHERE job = 'daily' AND cause = 'manual'"
                                      " AND attempt = 1 AND status = 'succeeded'") == 10);
  CHECK(sqlcron::test::count(*db, "SELECT COUNT(*) FROM " + state + ".runs WHERE job = 'report'") ==
        0);

  // Again: nothing runs.
  r = backfill({});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("10 slots: 0 runs (0 succeeded, 0 failed), 10 already"));
  CHECK(sqlcron::test::count(*db, "SELECT COUNT(*) FROM " + work + ".steps") == 10);

  // --chain: the root's slots are done; its chain step runs once per slot, tied to the root run.
  r = backfill({"--chain"});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("10 runs (10 succeeded, 0 failed), 10 already"));
  CHECK(sqlcron::test::count(
            *db, "SELECT COUNT(*) FROM " + state + ".runs s JOIN " + state +
                     ".runs d ON d.run_id = s.chain_run_id AND d.job = 'daily'"
                     " AND d.scheduled_for = s.scheduled_for"
                     " WHERE s.job = 'report' AND s.cause = 'chain' AND s.status = 'succeeded'") ==
        10);
  r = backfill({"--chain"});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("0 runs (0 succeeded, 0 failed), 20 already succeeded"));
  CHECK(sqlcron::test::count(*db, "SELECT COUNT(*) FROM " + work + ".steps") == 20);

  // --force runs every slot again, as attempt 2; earlier attempts stay in the log.
  r = backfill({"--force"});
  CHECK(r.exit_code == 0);
  CHECK(sqlcron::test::count(*db, "SELECT COUNT(*) FROM " + state +
                                      ".runs WHERE job = 'daily' AND attempt = 2") == 10);

  // Bad requests: usage errors that run nothing.
  const auto before = sqlcron::test::count(*db, "SELECT COUNT(*) FROM " + state + ".runs");
  r = sqlcrond(
      {"--config", config, "backfill", "report", "--from", "2026-01-01", "--to", "2026-01-02"});
  CHECK(r.exit_code == 64);
  CHECK_THAT(r.output, Catch::Contains("report has no schedule (after daily); backfill its root "
                                       "job with --chain: daily"));
  r = sqlcrond(
      {"--config", config, "backfill", "daily", "--from", "2026-01-10", "--to", "2026-01-01"});
  CHECK(r.exit_code == 64);
  CHECK_THAT(r.output, Catch::Contains("is before --from"));
  r = sqlcrond(
      {"--config", config, "backfill", "nosuch", "--from", "2026-01-01", "--to", "2026-01-02"});
  CHECK(r.exit_code == 64);
  CHECK(sqlcron::test::count(*db, "SELECT COUNT(*) FROM " + state + ".runs") == before);
}
