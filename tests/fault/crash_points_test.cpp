// Fault: kill -9 at each step of a run's life - claimed (its row written, its SQL not started),
// running, result spooled (the run log was unreachable), result written - then restart. Whatever
// the step, no slot's SQL runs twice, no row stays `running`, and a result that reached the spool
// is the one recorded (issue 13, items 2 and "kill -9 at each point").
#include <sys/stat.h>

#include "fault/fault_support.hpp"

namespace {

using namespace sqlcron::test;
using namespace sqlcron::test::fault;

constexpr const char* kState = "ft_crash_state";
constexpr const char* kWork = "ft_crash_work";
constexpr const char* kPassword = "Pw-crash-test-4d1e";
const std::string kRuns = std::string(kState) + ".runs";
const std::string kTicks = std::string(kWork) + ".ticks";

// `serve` for `config` that SIGKILLs itself at `point` (util::crash_point).
std::vector<std::string> crashing(const std::string& config, const std::string& point) {
  auto argv = serve_argv(config);
  argv.insert(argv.begin(), {"/usr/bin/env", "SQLCRON_CRASH_AT=" + point});
  return argv;
}

const std::string kJob =
    "  - name: once\n    schedule: \"*/5 * * * * *\"\n    call: tick\n"
    "    args: [\"{scheduled_for}\"]\n    retry: {attempts: 2, backoff: 100ms}\n";

// Every tick (an executed SQL) has exactly one succeeded run of its slot, and no slot ran twice.
void check_once_each(sqlcron::mysql::Session& db) {
  CHECK(count(db, "SELECT COUNT(*) FROM (SELECT slot FROM " + kTicks +
                      " GROUP BY slot HAVING COUNT(*) > 1) d") == 0);
  CHECK(count(db, "SELECT COUNT(*) FROM " + kTicks + " t LEFT JOIN " + kRuns +
                      " r ON r.job = 'once' AND r.scheduled_for = t.slot AND r.status ="
                      " 'succeeded' WHERE r.run_id IS NULL") == 0);
  CHECK(count(db, "SELECT COUNT(*) FROM " + kRuns + " WHERE status = 'running'") == 0);
}

// Crashes the daemon at `point` (after `arm` ran, if given), restarts it, lets it run a while.
void crash_and_restart(const std::string& point, const std::function<void()>& arm = nullptr,
                       const std::function<void()>& before_restart = nullptr,
                       const std::string& database = "") {
  TempDir dir;
  ConfigSpec s = spec_of(kState, kWork, kJob);
  ConfigSpec admin = s;
  migrated(dir, admin);
  if (!database.empty()) s.database = database;
  const auto config = write_config(dir, s, "app.yaml");
  auto db = connect();
  {
    if (arm) arm();
    Process first(crashing(config, point), (dir.path() / "first.log").string());
    const auto code = first.wait(60s);
    INFO(read_text((dir.path() / "first.log").string()));
    REQUIRE(code == 128 + SIGKILL);
  }
  if (before_restart) before_restart();
  Daemon second(dir, config, "second");
  // The restarted daemon recovers the crashed run's row and fires the next slots.
  wait_for(*db,
           "SELECT COUNT(*) >= 2 FROM " + kRuns +
               " WHERE status = 'succeeded' AND cause IN ('schedule', 'catchup', 'retry')",
           "1", 40s);
  wait_for(*db, "SELECT COUNT(*) FROM " + kRuns + " WHERE status = 'running'", "0", 70s);
  CHECK(second.stop() == 0);
  INFO(read_text(second.log));
  check_once_each(*db);
}

}  // namespace

TEST_CASE("kill -9 once a run is claimed: it is abandoned and retried, its SQL runs once",
          "[fault][crash]") {
  prepare_schemas(kState, kWork);
  crash_and_restart("claimed");
  auto db = connect();
  // The crashed run never ran its SQL: abandoned, and its slot's next attempt ran.
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kRuns + " WHERE status = 'abandoned'") == 1);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kRuns + " a JOIN " + kRuns +
                       " r ON r.scheduled_for = a.scheduled_for AND r.attempt = 2 AND r.cause ="
                       " 'retry' AND r.status = 'succeeded' WHERE a.status = 'abandoned'") == 1);
}

TEST_CASE("kill -9 once a result is written: nothing is run again", "[fault][crash]") {
  prepare_schemas(kState, kWork);
  crash_and_restart("written");
  auto db = connect();
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kRuns + " WHERE status = 'abandoned'") == 0);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kRuns + " WHERE cause = 'retry'") == 0);
}

TEST_CASE("kill -9 once a success is spooled: the spool is the truth, the run is not repeated",
          "[fault][crash]") {
  prepare_schemas(kState, kWork);
  auto root = connect();
  // The daemon's account may UPDATE the run log only through table grants: revoking it on
  // `runs` makes the finish fail (so the success goes to the spool) while the claim works.
  for (const auto* host : {"localhost", "127.0.0.1"}) {
    const std::string account = std::string("'sqlcron_crash'@'") + host + "'";
    root->execute_raw("DROP USER IF EXISTS " + account);
    root->execute_raw("CREATE USER " + account + " IDENTIFIED BY '" + kPassword + "'");
    root->execute_raw(std::string("GRANT EXECUTE, SELECT, INSERT, UPDATE, DELETE ON `") + kWork +
                      "`.* TO " + account);
    root->execute_raw(std::string("GRANT SELECT, INSERT, DELETE ON `") + kState + "`.* TO " +
                      account);
  }
  TempDir keys;
  const auto pw = keys.write("db-password", std::string(kPassword) + "\n");
  ::chmod(pw.c_str(), 0600);
  auto app_db = database_yaml(test_settings(), kWork);
  app_db.replace(app_db.find("user: root"), 10, "user: sqlcron_crash\n  password_file: " + pw);
  const auto grant_updates = [&](bool runs) {
    for (const auto& row :
         root->query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?"
                     " AND TABLE_TYPE = 'BASE TABLE'",
                     {std::string(kState)})
             .rows) {
      const auto table = row[0].value_or("");
      if (table == "runs" && !runs) continue;
      for (const auto* host : {"localhost", "127.0.0.1"}) {
        root->execute_raw(std::string("GRANT UPDATE ON `") + kState + "`.`" + table +
                          "` TO 'sqlcron_crash'@'" + host + "'");
      }
    }
  };
  crash_and_restart(
      "spooled", [&] { grant_updates(false); }, [&] { grant_updates(true); }, app_db);
  auto db = connect();
  // The first run succeeded and its result was only in the spool when the daemon died: it is
  // recorded as succeeded, not abandoned, and its slot has no second attempt.
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kRuns + " WHERE status = 'abandoned'") == 0);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kRuns + " WHERE cause = 'retry'") == 0);
  for (const auto* host : {"localhost", "127.0.0.1"}) {
    root->execute_raw(std::string("DROP USER 'sqlcron_crash'@'") + host + "'");
  }
}
