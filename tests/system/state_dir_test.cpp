// scheduler.state_dir, black-box: checked by check-config and at start, locked by one daemon.
#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>

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
  const auto config = write_config(dir, spec());
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

TEST_CASE("a malformed spool line is set aside with a warning; heartbeats and firing go on",
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
