// scheduler.state_dir, black-box: checked by check-config and at start, locked by one daemon.
#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <regex>

#include "mysql/connector.hpp"
#include "support/http_client.hpp"
#include "support/system_harness.hpp"
#include "support/test_database.hpp"

using namespace std::chrono_literals;
using sqlcron::test::ConfigSpec;
using sqlcron::test::count;
using sqlcron::test::Process;
using sqlcron::test::read_text;
using sqlcron::test::sqlcrond;
using sqlcron::test::TempDir;

namespace {

constexpr const char* kState = "st_state_dir_state";
constexpr const char* kWork = "st_state_dir_work";
const std::string kInstances = std::string(kState) + ".instances";

ConfigSpec spec() {
  return ConfigSpec{kState,
                    kWork,
                    "  - name: tick\n    schedule: \"* * * * * *\"\n    call: tick\n"
                    "    args: [\"{scheduled_for}\"]\n",
                    "10s",
                    "",
                    ""};
}

std::string migrated(const TempDir& dir) {
  sqlcron::test::prepare_schemas(kState, kWork);
  auto config = write_config(dir, spec());
  const auto m = sqlcrond({"--config", config, "migrate"});
  INFO(m.output);
  REQUIRE(m.exit_code == 0);
  return config;
}

}  // namespace

TEST_CASE("check-config: a state_dir under a regular file is exit 78 naming scheduler.state_dir",
          "[system][fault]") {
  TempDir dir;
  const auto plain = dir.write("plain", "a regular file\n");
  const auto config = dir.write(
      "sqlcron.yaml", sqlcron::test::database_yaml(sqlcron::test::test_settings(), kWork) +
                          "scheduler:\n  state_schema: " + kState + "\n  state_dir: " + plain +
                          "/state\nhttp:\n  listen: \"off\"\njobs: []\n");
  const auto r = sqlcrond({"--config", config, "check-config"});
  INFO(r.output);
  CHECK(r.exit_code == 78);
  CHECK_THAT(r.output, Catch::Contains(": scheduler.state_dir: "));
  CHECK_THAT(r.output, Catch::StartsWith(config + ":"));
  CHECK_THAT(r.output, Catch::Contains(plain));
  CHECK(sqlcrond({"--config", config, "serve"}).exit_code == 78);
}

TEST_CASE("serve: a state_dir that cannot take the spool is refused before registering",
          "[system][fault]") {
  TempDir dir;
  const auto config = migrated(dir);
  // Root is not stopped by permissions; a directory where the spool file belongs is.
  std::filesystem::create_directories(dir.path() / "state" / "runs.spool");
  const auto r = sqlcrond({"--config", config, "serve"});
  INFO(r.output);
  CHECK(r.exit_code == 73);
  CHECK_THAT(r.output, Catch::Contains("scheduler.state_dir"));
  CHECK_THAT(r.output, Catch::Contains("runs.spool"));
  auto db = sqlcron::test::connect();
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kInstances) == 0);
}

TEST_CASE("two daemons on one state_dir: the second refuses with exit 75, naming the first",
          "[system][fault]") {
  TempDir dir;
  const auto config = migrated(dir);
  auto db = sqlcron::test::connect();
  const auto first_log = (dir.path() / "first.log").string();
  Process first(sqlcron::test::serve_argv(config), first_log);
  sqlcron::test::wait_for(*db, "SELECT COUNT(*) FROM " + kInstances, "1", 20s);

  const auto second = sqlcrond({"--config", config, "serve"});
  INFO(second.output);
  CHECK(second.exit_code == 75);
  CHECK_THAT(second.output, Catch::Contains("pid " + std::to_string(first.pid())));
  CHECK_THAT(second.output, Catch::Contains((dir.path() / "state").string()));
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kInstances) == 1);
  // The first one is not disturbed, and once it is gone the state_dir is free again.
  REQUIRE_FALSE(first.wait(0ms).has_value());
  first.signal(SIGTERM);
  REQUIRE(first.wait(30s) == 0);
  const auto third_log = (dir.path() / "third.log").string();
  Process third(sqlcron::test::serve_argv(config), third_log);
  sqlcron::test::wait_for(*db, "SELECT COUNT(*) FROM " + kInstances, "2", 20s);
  third.signal(SIGTERM);
  INFO(read_text(third_log));
  CHECK(third.wait(30s) == 0);
}

TEST_CASE("a malformed spool line is set aside with a warning, heartbeats and firing go on",
          "[system][fault]") {
  TempDir dir;
  sqlcron::test::prepare_schemas(kState, kWork);
  auto s = spec();
  s.scheduler_extra = "  heartbeat_interval: 200ms\n";
  const auto config = write_config(dir, s);
  REQUIRE(sqlcrond({"--config", config, "migrate"}).exit_code == 0);
  const std::string bad = "x9\tsucceeded\t2026-07-01 04:00:00.000000\t1\t0\t0\t\t";
  dir.write("state/runs.spool", bad + "\n");
  auto db = sqlcron::test::connect();
  const auto log = (dir.path() / "serve.log").string();
  Process serve(sqlcron::test::serve_argv(config), log);
  sqlcron::test::wait_for_log(log, "runs.spool.bad", 20s);
  CHECK(read_text((dir.path() / "state" / "runs.spool.bad").string()) == bad + "\n");
  // The health loop goes on: heartbeats advance well past the replay, and runs keep firing.
  const auto beat = db->query("SELECT MAX(heartbeat_at) FROM " + kInstances).rows.at(0).at(0);
  REQUIRE(beat.has_value());
  const auto last_run = std::to_string(
      count(*db, "SELECT COALESCE(MAX(run_id), 0) FROM " + std::string(kState) + ".runs"));
  sqlcron::test::wait_for(*db,
                          "SELECT COUNT(*) FROM " + kInstances + " WHERE heartbeat_at > '" + *beat +
                              "' + INTERVAL 1 SECOND",
                          "1", 10s);
  sqlcron::test::wait_for(*db,
                          "SELECT COUNT(*) >= 2 FROM " + std::string(kState) +
                              ".runs WHERE status = 'succeeded' AND run_id > " + last_run,
                          "1", 10s);
  serve.signal(SIGTERM);
  INFO(read_text(log));
  CHECK(serve.wait(30s) == 0);
}

TEST_CASE("disk full while the database is away: the lost result is counted and logged",
          "[system][fault]") {
  // A private server of this test's own, so stopping it does not disturb other tests.
  TempDir dir;
  const auto sandbox = (dir.path() / "db").string();
  const auto script = sqlcron::test::source_path("scripts/mysql-sandbox");
  REQUIRE(sqlcron::test::run({script, "start", sandbox}).exit_code == 0);
  struct StopAtEnd {
    std::string script, dir;
    ~StopAtEnd() { sqlcron::test::run({script, "stop", dir}); }
  } stop_at_end{script, sandbox};
  sqlcron::mysql::ConnectionSettings own;
  own.socket = sandbox + "/mysqld.sock";
  own.user = "root";
  const sqlcron::mysql::Connector connector;
  connector.open(own)->execute_raw("CREATE DATABASE work");
  ConfigSpec s{"state",
               "work",
               "  - name: slow\n    schedule: \"* * * * * *\"\n    overlap: skip\n    sql: SELECT "
               "SLEEP(30)\n",
               "10s",
               "",
               sqlcron::test::database_yaml(own, "work")};
  s.http_listen = "127.0.0.1:0";
  const auto config = write_config(dir, s);
  REQUIRE(sqlcrond({"--config", config, "migrate"}).exit_code == 0);
  const auto log = (dir.path() / "serve.log").string();
  Process serve(sqlcron::test::serve_argv(config), log);
  sqlcron::test::wait_for_log(log, "serving /metrics and /healthz on http://127.0.0.1:", 20s);
  std::smatch m;
  const auto text = read_text(log);
  REQUIRE(std::regex_search(text, m, std::regex("http://127\\.0\\.0\\.1:([0-9]+)")));
  const auto port = static_cast<unsigned short>(std::stoi(m[1]));
  sqlcron::test::wait_for(*connector.open(own),
                          "SELECT COUNT(*) FROM state.runs WHERE status = 'running'", "1", 20s);
  // The disk is full from now on: every write to the spool fails with ENOSPC.
  const auto spool = dir.path() / "state" / "runs.spool";
  std::filesystem::remove(spool);
  std::filesystem::create_symlink("/dev/full", spool);
  // The database goes away mid-run: the run fails, its result can be neither written nor spooled.
  REQUIRE(sqlcron::test::run({script, "stop", sandbox}).exit_code == 0);
  sqlcron::test::wait_for_log(log, "is LOST from the run log", 30s);
  const auto lost = read_text(log);
  CHECK_THAT(lost, Catch::Contains(" of slow is LOST from the run log: it ended failed"));
  CHECK_THAT(lost, Catch::Contains("No space left on device"));
  const auto metrics = sqlcron::test::http_get(port, "/metrics");
  CHECK_THAT(metrics.body, Catch::Contains("sqlcron_results_lost_total 1\n"));
  REQUIRE_FALSE(serve.wait(0ms).has_value());  // the daemon stays
  serve.signal(SIGTERM);
  INFO(read_text(log));
  CHECK(serve.wait(30s) == 0);
}
