// Black-box tests of the rules every way a run starts shares (issue 16): retry.on in backfill,
// the skip reasons of backfill (the daemon's words), the views over runs, the status count of
// failed slots and a chain root's chain_run_id.
#include <catch2/catch.hpp>
#include <sstream>

#include "support/system_harness.hpp"
#include "support/test_database.hpp"

using sqlcron::test::ConfigSpec;
using sqlcron::test::sqlcrond;
using sqlcron::test::TempDir;

namespace {

constexpr const char* kState = "st_rules_state";
constexpr const char* kWork = "st_rules_work";

// tries(job, slot): one row per attempt; deadlock(): error 1213 (transient); lock_busy(): the
// application's own SIGNAL SQLSTATE '45000'; flaky_odd(): 1213 every other call.
void prepare() {
  sqlcron::test::prepare_schemas(kState, kWork);
  auto w = sqlcron::test::connect(kWork);
  w->execute_raw("CREATE TABLE tries (id INT AUTO_INCREMENT PRIMARY KEY, job VARCHAR(64))");
  w->execute_raw(
      "CREATE PROCEDURE deadlock() BEGIN INSERT INTO tries (job) VALUES ('deadlock');"
      " SIGNAL SQLSTATE '40001' SET MESSAGE_TEXT = 'Deadlock found', MYSQL_ERRNO = 1213; END");
  w->execute_raw(
      "CREATE PROCEDURE lock_busy() BEGIN INSERT INTO tries (job) VALUES ('lock_busy');"
      " SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'the batch lock is held'; END");
  w->execute_raw("CREATE PROCEDURE ok() INSERT INTO tries (job) VALUES ('ok')");
  // Fails (1213) on every odd call, succeeds on every even one: each slot's retry succeeds.
  w->execute_raw(
      "CREATE PROCEDURE flaky_odd() BEGIN INSERT INTO tries (job) VALUES ('flaky');"
      " IF (SELECT COUNT(*) FROM tries WHERE job = 'flaky') % 2 = 1 THEN"
      " SIGNAL SQLSTATE '40001' SET MESSAGE_TEXT = 'Deadlock found', MYSQL_ERRNO = 1213;"
      " END IF; END");
}

std::string job(const std::string& name, const std::string& lines) {
  return "  - name: " + name + "\n" + lines;
}

}  // namespace

TEST_CASE("backfill: the daemon's skip reasons, chain ids, views and failed slots",
          "[system][pipeline]") {
  prepare();
  TempDir dir;
  const auto config =
      write_config(dir, ConfigSpec{kState, kWork,
                                   job("root", "    schedule: \"0 0 * * *\"\n    call: ok\n") +
                                       job("middle",
                                           "    after: [root]\n    call: deadlock\n"
                                           "    retry: {attempts: 2, backoff: 10ms}\n") +
                                       job("below", "    after: [middle]\n    call: ok\n") +
                                       job("last", "    after: [below]\n    call: ok\n"),
                                   "10s", "", "", "off", ""});
  REQUIRE(sqlcrond({"--config", config, "migrate"}).exit_code == 0);
  auto db = sqlcron::test::connect();
  const std::string state = kState;
  const std::string work = kWork;
  const auto backfill = [&](const std::string& name, std::vector<std::string> extra) {
    std::vector<std::string> args{"--config", config,       "backfill", name,
                                  "--from",   "2026-01-01", "--to",     "2026-01-02 00:00:00"};
    args.insert(args.end(), extra.begin(), extra.end());
    return sqlcrond(args);
  };

  auto r = backfill("root", {"--chain"});
  INFO(r.output);
  CHECK(r.exit_code == 1);
  // Each slot: middle failed twice (transient, retried once); below and last are skipped with
  // the reason the daemon writes: "upstream middle failed (run N)", N middle's final attempt.
  const auto skipped = db->query(
      "SELECT s.job, s.error_message, m.run_id FROM " + state + ".runs s JOIN " + state +
      ".runs m ON m.job = 'middle' AND m.scheduled_for = s.scheduled_for AND m.attempt = 2"
      " WHERE s.status = 'skipped' ORDER BY s.run_id");
  REQUIRE(skipped.rows.size() == 4);
  for (const auto& row : skipped.rows) {
    INFO(*row[0]);
    CHECK(row[1] == "upstream middle failed (run " + *row[2] + ")");
  }
  // A chain root's chain_run_id is its own run id; the steps carry it.
  CHECK(sqlcron::test::count(*db, "SELECT COUNT(*) FROM " + state +
                                      ".runs WHERE job = 'root' AND chain_run_id = run_id") == 2);
  CHECK(sqlcron::test::count(*db, "SELECT COUNT(*) FROM " + state + ".runs s JOIN " + state +
                                      ".runs root ON root.run_id = s.chain_run_id"
                                      " AND root.job = 'root' WHERE s.job <> 'root'") == 8);
  // The views show chain_run_id, and recent_failures shows failures that happened now for
  // slots of January: by when they failed, not by their slot.
  CHECK(sqlcron::test::count(*db, "SELECT COUNT(*) FROM " + state +
                                      ".recent_failures WHERE job = 'middle'"
                                      " AND chain_run_id IS NOT NULL") == 4);
  CHECK(sqlcron::test::count(*db, "SELECT COUNT(*) FROM " + state +
                                      ".last_runs WHERE chain_run_id IS NOT NULL") >= 1);
  // status: FAILS/24H counts failed slots (2), not attempts (4).
  const auto status = sqlcrond({"--config", config, "status"});
  INFO(status.output);
  // The last column of middle's line (a chain step, shown under its root as "`- middle").
  std::string fails;
  std::istringstream lines(status.output);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("`- middle ") == std::string::npos) continue;
    line.erase(line.find_last_not_of(' ') + 1);
    fails = line.substr(line.find_last_of(' ') + 1);
  }
  CHECK(fails == "2");
}

TEST_CASE("backfill: retry.on \"45000\" retries a SIGNAL, the default does not",
          "[system][pipeline]") {
  prepare();
  TempDir dir;
  const auto config = write_config(
      dir, ConfigSpec{kState, kWork,
                      job("signal",
                          "    schedule: \"0 0 * * *\"\n    call: lock_busy\n"
                          "    retry: {attempts: 3, backoff: 10ms, on: [\"45000\"]}\n") +
                          job("signal_default",
                              "    schedule: \"0 0 * * *\"\n    call: lock_busy\n"
                              "    retry: {attempts: 3, backoff: 10ms}\n"),
                      "10s", "", "", "off", ""});
  REQUIRE(sqlcrond({"--config", config, "migrate"}).exit_code == 0);
  auto db = sqlcron::test::connect();
  const std::string state = kState;
  const std::string work = kWork;
  const auto backfill = [&](const std::string& name) {
    return sqlcrond({"--config", config, "backfill", name, "--from", "2026-01-01", "--to",
                     "2026-01-02 00:00:00"});
  };
  auto r = backfill("signal");
  INFO(r.output);
  CHECK(r.exit_code == 1);
  r = backfill("signal_default");
  CHECK(r.exit_code == 1);
  CHECK(sqlcron::test::count(*db, "SELECT COUNT(*) FROM " + state +
                                      ".runs WHERE job = 'signal' AND status = 'failed'") == 6);
  CHECK(sqlcron::test::count(
            *db, "SELECT COUNT(*) FROM " + state + ".runs WHERE job = 'signal_default'") == 2);
  CHECK(sqlcron::test::count(*db, "SELECT COUNT(*) FROM " + work +
                                      ".tries"
                                      " WHERE job = 'lock_busy'") == 8);
}

TEST_CASE("backfill: a root's retry stays in the instance its first attempt opened",
          "[system][pipeline]") {
  prepare();
  TempDir dir;
  const auto config =
      write_config(dir, ConfigSpec{kState, kWork,
                                   job("root",
                                       "    schedule: \"0 0 * * *\"\n    call: flaky_odd\n"
                                       "    retry: {attempts: 2, backoff: 10ms}\n") +
                                       job("step", "    after: [root]\n    call: ok\n"),
                                   "10s", "", "", "off", ""});
  REQUIRE(sqlcrond({"--config", config, "migrate"}).exit_code == 0);
  const auto r = sqlcrond({"--config", config, "backfill", "root", "--from", "2026-01-01", "--to",
                           "2026-01-01", "--chain"});
  INFO(r.output);
  CHECK(r.exit_code == 0);
  auto db = sqlcron::test::connect();
  const std::string runs = std::string(kState) + ".runs";
  // Attempt 1 failed, attempt 2 succeeded, the step ran: all three in the first attempt's instance.
  const auto first = db->query("SELECT MIN(run_id) FROM " + runs + " WHERE job = 'root'");
  const auto instance = *first.rows.at(0).at(0);
  CHECK(sqlcron::test::count(
            *db, "SELECT COUNT(*) FROM " + runs + " WHERE chain_run_id = " + instance) == 3);
  CHECK(sqlcron::test::count(*db, "SELECT COUNT(*) FROM " + std::string(kState) +
                                      ".pipeline_instances WHERE chain_run_id = " + instance +
                                      " AND succeeded = 2 AND failed = 0") == 1);
}
