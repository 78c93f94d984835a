// Black-box tests of the built sqlcrond against the test MariaDB: firing, the CLI, exit codes.
#include <catch2/catch.hpp>
#include <csignal>
#include <thread>

#include "support/system_harness.hpp"
#include "support/test_database.hpp"

using namespace std::chrono_literals;
using sqlcron::test::ConfigSpec;
using sqlcron::test::Process;
using sqlcron::test::sqlcrond;
using sqlcron::test::TempDir;

namespace {

constexpr const char* kState = "st_serve_state";
constexpr const char* kWork = "st_serve_work";

ConfigSpec spec(const std::string& jobs, const std::string& grace = "10s") {
  return ConfigSpec{kState, kWork, jobs, grace, "", ""};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

TEST_CASE("sqlcrond fires every second, stops on SIGTERM with exit 0, one row per second",
          "[system]") {
  sqlcron::test::prepare_schemas(kState, kWork);
  TempDir dir;
  const auto config = write_config(dir, spec("  - name: every_second\n"
                                             "    schedule: \"* * * * * *\"\n"
                                             "    call: tick\n"
                                             "    args: [\"{scheduled_for}\"]\n"));
  REQUIRE(sqlcrond({"--config", config, "migrate"}).exit_code == 0);

  const auto log = (dir.path() / "serve.log").string();
  const auto started = std::chrono::system_clock::now();
  Process serve(sqlcron::test::serve_argv(config), log);
  auto db = sqlcron::test::connect();
  const std::string state = kState;
  // Wait (bounded) until at least 4 runs succeeded: a condition, not a fixed sleep.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (sqlcron::test::count(
             *db, "SELECT COUNT(*) FROM " + state + ".runs WHERE status = 'succeeded'") < 4) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    REQUIRE_FALSE(serve.wait(0ms).has_value());  // still running
    std::this_thread::sleep_for(50ms);
  }
  const auto stopped = std::chrono::system_clock::now();
  serve.signal(SIGTERM);
  const auto code = serve.wait(15s);
  INFO(sqlcron::test::read_text(log));
  REQUIRE(code.has_value());
  CHECK(*code == 0);
  CHECK_THAT(sqlcron::test::read_text(log), Catch::Contains("received SIGTERM"));

  const auto rs = db->query(
      "SELECT UNIX_TIMESTAMP(scheduled_for), status, attempt, "
      "TIMESTAMPDIFF(MICROSECOND, scheduled_for, started_at) FROM " +
      state + ".runs ORDER BY scheduled_for");
  REQUIRE(rs.rows.size() >= 4);
  std::vector<double> lag_ms;
  const auto first = std::stoll(rs.rows.front()[0].value_or("0"));
  for (std::size_t i = 0; i < rs.rows.size(); ++i) {
    INFO("row " << i);
    CHECK(std::stoll(rs.rows[i][0].value_or("0")) == first + static_cast<long long>(i));
    CHECK(rs.rows[i][1] == "succeeded");
    CHECK(rs.rows[i][2] == "1");
    lag_ms.push_back(std::stod(rs.rows[i][3].value_or("0")) / 1000.0);
  }
  // The first slot is the first whole second after start; none was missed before the stop.
  const auto start_s =
      std::chrono::duration_cast<std::chrono::seconds>(started.time_since_epoch()).count();
  const auto stop_s =
      std::chrono::duration_cast<std::chrono::seconds>(stopped.time_since_epoch()).count();
  CHECK(first >= start_s);
  CHECK(first <= start_s + 2);
  CHECK(std::stoll(rs.rows.back()[0].value_or("0")) >= stop_s - 1);
  // Every run really executed the procedure once.
  CHECK(sqlcron::test::count(*db, std::string("SELECT COUNT(*) FROM ") + kWork + ".ticks") ==
        static_cast<std::int64_t>(rs.rows.size()));
  WARN("fire lag (started_at - scheduled_for) over "
       << lag_ms.size() << " runs: median " << median(lag_ms) << " ms, max "
       << *std::max_element(lag_ms.begin(), lag_ms.end()) << " ms");
  // The instance marked itself stopped; the jobs table mirrors the config.
  CHECK(sqlcron::test::count(
            *db, "SELECT COUNT(*) FROM " + state + ".instances WHERE stopped_at IS NOT NULL") == 1);
  CHECK(db->query("SELECT schedule, target, last_status FROM " + state + ".jobs").rows.at(0) ==
        sqlcron::mysql::Row{"* * * * * *", "tick", "succeeded"});
}

TEST_CASE("check-config: exit 0 with a summary, 78 with file:line:column: key: message",
          "[system]") {
  TempDir dir;
  const auto good = write_config(dir, spec("  - name: a\n    schedule: \"@daily\"\n    call: p\n"));
  const auto ok = sqlcrond({"--config", good, "check-config"});
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.output, Catch::Contains(": OK: 1 jobs (1 enabled)"));

  const auto bad =
      dir.write("bad.yaml", sqlcron::test::database_yaml(sqlcron::test::test_settings(), kWork) +
                                "jobs:\n  - name: a\n    schedule: \"0 0 31 2 *\"\n"
                                "    call: p\n    colour: red\n");
  const auto r = sqlcrond({"--config", bad, "check-config"});
  CHECK(r.exit_code == 78);
  CHECK_THAT(r.output, Catch::Contains(bad + ":7:15: jobs[0].schedule: day-of-month"));
  CHECK_THAT(r.output, Catch::Contains(bad + ":9:5: jobs[0].colour: unknown key"));
  CHECK_THAT(r.output, Catch::Contains("2 errors in " + bad));

  // serve refuses the same config before touching the database.
  CHECK(sqlcrond({"--config", bad, "serve"}).exit_code == 78);
}

TEST_CASE("serve exits 69 when the database is unreachable, 1 when not migrated", "[system]") {
  TempDir dir;
  const auto unreachable =
      dir.write("down.yaml", "database:\n  host: 127.0.0.1\n  port: 1\n  user: u\n  schema: s\n" +
                                 std::string("scheduler:\n  state_dir: state\n"));
  const auto down = sqlcrond({"--config", unreachable, "serve"});
  CHECK(down.exit_code == 69);
  CHECK_THAT(down.output, Catch::Contains("database unavailable"));

  sqlcron::test::connect()->execute_raw(std::string("DROP DATABASE IF EXISTS ") + kState);
  sqlcron::test::fresh_schema(kWork);
  const auto config = write_config(dir, spec(""));
  const auto r = sqlcrond({"--config", config, "serve"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Catch::Contains("run: sqlcrond --config " + config + " migrate"));
}

TEST_CASE("next prints fire times in the zone, a bad expression names the field", "[system]") {
  const auto r = sqlcrond({"next", "--schedule", "30 2 * * *", "--tz", "America/New_York", "--from",
                           "2026-03-07T12:00:00Z", "--count", "3"});
  CHECK(r.exit_code == 0);
  CHECK(r.output ==
        "2026-03-08T03:00:00-04:00\n2026-03-09T02:30:00-04:00\n2026-03-10T02:30:00-04:00\n");
  const auto bad = sqlcrond({"next", "--schedule", "0 0 32 * *"});
  CHECK(bad.exit_code == 64);
  CHECK_THAT(bad.output, Catch::Contains("day-of-month: 32 is out of range 1-31"));
}

TEST_CASE("runs prints the latest runs as a table, filtered by job", "[system]") {
  sqlcron::test::prepare_schemas(kState, kWork);
  TempDir dir;
  const auto config =
      write_config(dir, spec("  - name: a\n    schedule: \"@daily\"\n    call: tick\n"));
  REQUIRE(sqlcrond({"--config", config, "migrate"}).exit_code == 0);
  auto db = sqlcron::test::connect();
  db->execute(std::string("INSERT INTO ") + kState +
              ".runs (job, scheduled_for, attempt, cause, instance, started_at, status, "
              "error_code, error_message) VALUES ('a', '2026-01-01 00:00:00', 1, 'schedule', "
              "'i', NOW(6), 'failed', 1305, 'PROCEDURE x does not exist'), ('b', "
              "'2026-01-01 00:00:00', 1, 'schedule', 'i', NOW(6), 'succeeded', NULL, NULL)");
  const auto r = sqlcrond({"--config", config, "runs", "--job", "a"});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::StartsWith("run_id"));
  CHECK_THAT(r.output, Catch::Contains("PROCEDURE x does not exist"));
  CHECK_THAT(r.output, !Catch::Contains("succeeded"));
  CHECK(sqlcrond({"--config", config, "runs", "--status", "bogus"}).exit_code == 64);
}
