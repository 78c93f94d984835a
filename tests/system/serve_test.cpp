// Black-box tests of the built sqlcrond against the test MariaDB.
#include <catch2/catch.hpp>
#include <csignal>
#include <thread>

#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"
#include "util/sql_time.hpp"

using namespace std::chrono_literals;
using sqlcron::test::Process;
using sqlcron::test::TempDir;

namespace {

constexpr const char* kState = "st_serve_state";
constexpr const char* kWork = "st_serve_work";

std::string database_section(const std::string& schema) {
  const auto s = sqlcron::test::test_settings();
  std::string where = s.socket.empty()
                          ? "  host: " + s.host + "\n  port: " + std::to_string(s.port) + "\n"
                          : "  socket: " + s.socket + "\n";
  return "database:\n" + where + "  user: " + s.user + "\n  schema: " + schema + "\n";
}

std::string write_config(const TempDir& dir, const std::string& jobs,
                         const std::string& grace = "10s") {
  return dir.write("sqlcron.yaml", database_section(kWork) +
                                       "scheduler:\n  state_schema: " + kState +
                                       "\n  shutdown_grace: " + grace + "\njobs:\n" + jobs);
}

// Polls (bounded) until `sql` returns `expected`; fails the test after `limit`.
void wait_for(sqlcron::mysql::Session& db, const std::string& sql, const std::string& expected,
              std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    const auto rs = db.query(sql);
    if (!rs.rows.empty() && rs.rows[0][0] == expected) return;
    INFO(sql << " did not return " << expected << " within " << limit.count() << " s");
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

sqlcron::test::Completed sqlcrond(const std::vector<std::string>& args) {
  std::vector<std::string> argv{SQLCROND_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  return sqlcron::test::run(argv);
}

void prepare_work_schema() {
  sqlcron::test::fresh_schema(kState);
  auto w = sqlcron::test::fresh_schema(kWork);
  w->execute_raw("CREATE TABLE ticks (slot DATETIME PRIMARY KEY, at DATETIME(6))");
  w->execute_raw(
      "CREATE PROCEDURE tick(IN p_slot DATETIME) INSERT INTO ticks VALUES (p_slot, NOW(6))");
  // blocked(): waits on a row lock the test holds - a hung procedure, killable by KILL QUERY.
  w->execute_raw("CREATE TABLE locked (id INT PRIMARY KEY) ENGINE=InnoDB");
  w->execute_raw("INSERT INTO locked VALUES (1)");
  w->execute_raw("CREATE PROCEDURE blocked() SELECT * FROM locked WHERE id = 1 FOR UPDATE");
  // busy(): a procedure that survives KILL QUERY (each SLEEP just returns early).
  w->execute_raw(
      "CREATE PROCEDURE busy() BEGIN DECLARE i INT DEFAULT 0; "
      "WHILE i < 600 DO DO SLEEP(0.1); SET i = i + 1; END WHILE; END");
}

// A session holding the row lock on locked.id = 1 until it is destroyed.
std::unique_ptr<sqlcron::mysql::Session> hold_lock() {
  auto s = sqlcron::test::connect(kWork);
  s->execute_raw("START TRANSACTION");
  s->execute_raw("SELECT * FROM locked WHERE id = 1 FOR UPDATE");
  return s;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

TEST_CASE("sqlcrond fires every second, stops on SIGTERM with exit 0, one row per second",
          "[system]") {
  prepare_work_schema();
  TempDir dir;
  const auto config = write_config(dir,
                                   "  - name: every_second\n"
                                   "    schedule: \"* * * * * *\"\n"
                                   "    call: tick\n"
                                   "    args: [\"{scheduled_for}\"]\n");
  REQUIRE(sqlcrond({"--config", config, "migrate"}).exit_code == 0);

  const auto log = (dir.path() / "serve.log").string();
  const auto started = std::chrono::system_clock::now();
  Process serve({SQLCROND_PATH, "--config", config, "serve"}, log);
  auto db = sqlcron::test::connect();
  const std::string count_sql =
      std::string("SELECT COUNT(*) FROM ") + kState + ".runs WHERE status = 'succeeded'";
  // Wait (bounded) until at least 4 runs succeeded; a condition, not a fixed sleep.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::stoi(db->query(count_sql).rows[0][0].value_or("0")) < 4) {
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

  const auto rs =
      db->query(std::string("SELECT UNIX_TIMESTAMP(scheduled_for), status, attempt, "
                            "TIMESTAMPDIFF(MICROSECOND, scheduled_for, started_at) FROM ") +
                kState + ".runs ORDER BY scheduled_for");
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
  const auto last = std::stoll(rs.rows.back()[0].value_or("0"));
  CHECK(last >= stop_s - 1);
  // Every run really executed the procedure once.
  CHECK(db->query(std::string("SELECT COUNT(*) FROM ") + kWork + ".ticks").rows[0][0] ==
        std::to_string(rs.rows.size()));
  WARN("fire lag (started_at - scheduled_for) over "
       << lag_ms.size() << " runs: median " << median(lag_ms) << " ms, max "
       << *std::max_element(lag_ms.begin(), lag_ms.end()) << " ms");
  // The instance marked itself stopped; the jobs table mirrors the config.
  CHECK(db->query(std::string("SELECT COUNT(*) FROM ") + kState +
                  ".instances WHERE stopped_at IS NOT NULL")
            .rows[0][0] == "1");
  CHECK(db->query(std::string("SELECT schedule, target, last_status FROM ") + kState + ".jobs")
            .rows.at(0) == sqlcron::mysql::Row{"* * * * * *", "tick", "succeeded"});
}

TEST_CASE("check-config: exit 0 with a summary, 78 with file:line:column: key: message",
          "[system]") {
  TempDir dir;
  const auto good = write_config(dir, "  - name: a\n    schedule: \"@daily\"\n    call: p\n");
  const auto ok = sqlcrond({"--config", good, "check-config"});
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.output, Catch::Contains(": OK: 1 jobs (1 enabled)"));

  const auto bad = dir.write("bad.yaml", database_section(kWork) +
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
      dir.write("down.yaml", "database:\n  host: 127.0.0.1\n  port: 1\n  user: u\n  schema: s\n");
  const auto down = sqlcrond({"--config", unreachable, "serve"});
  CHECK(down.exit_code == 69);
  CHECK_THAT(down.output, Catch::Contains("database unavailable"));

  sqlcron::test::connect()->execute_raw(std::string("DROP DATABASE IF EXISTS ") + kState);
  sqlcron::test::fresh_schema(kWork);
  const auto config = write_config(dir, "");
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
  prepare_work_schema();
  TempDir dir;
  const auto config = write_config(dir, "  - name: a\n    schedule: \"@daily\"\n    call: tick\n");
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

TEST_CASE("a run over its timeout is killed and recorded timed_out", "[system]") {
  prepare_work_schema();
  const auto lock = hold_lock();
  TempDir dir;
  const auto config = write_config(dir,
                                   "  - name: hung\n    schedule: \"* * * * * *\"\n"
                                   "    call: blocked\n    timeout: 1s\n"
                                   "  - name: loops\n    schedule: \"* * * * * *\"\n"
                                   "    call: busy\n    timeout: 500ms\n");
  REQUIRE(sqlcrond({"--config", config, "migrate"}).exit_code == 0);
  const auto log = (dir.path() / "serve.log").string();
  Process serve({SQLCROND_PATH, "--config", config, "serve"}, log);
  auto db = sqlcron::test::connect();
  const std::string state = kState;
  // The lock wait is interrupted by KILL QUERY (error 1317).
  wait_for(*db,
           "SELECT COUNT(*) FROM " + state +
               ".runs WHERE job = 'hung' AND status = 'timed_out' AND error_code = 1317",
           "1", 20s);
  // The looping procedure survives KILL QUERY; after the kill grace its connection is killed.
  wait_for(
      *db,
      "SELECT COUNT(*) > 0 FROM " + state + ".runs WHERE job = 'loops' AND status = 'timed_out'",
      "1", 30s);
  serve.signal(SIGTERM);
  REQUIRE(serve.wait(20s) == 0);
  INFO(sqlcron::test::read_text(log));
  const auto rs = db->query("SELECT duration_ms, error_code FROM " + state +
                            ".runs WHERE job = 'hung' AND status = 'timed_out'");
  CHECK(std::stod(rs.rows.at(0)[0].value_or("0")) >= 1000.0);
  const auto loops = db->query("SELECT error_code, duration_ms FROM " + state +
                               ".runs WHERE job = 'loops' AND status = 'timed_out'");
  CHECK(std::stod(loops.rows.at(0)[1].value_or("0")) >= 500.0);
  // While a run hangs, the job's further slots are skipped, not stacked up.
  CHECK(db->query("SELECT COUNT(*) > 0 FROM " + state +
                  ".runs WHERE job = 'hung' AND status = 'skipped' AND error_message LIKE "
                  "'overlap:%'")
            .rows[0][0] == "1");
  // Nothing is left running.
  CHECK(db->query("SELECT COUNT(*) FROM " + state + ".runs WHERE status = 'running'").rows[0][0] ==
        "0");
}

TEST_CASE("SIGTERM waits for the grace, then cancels running runs and exits 0", "[system]") {
  prepare_work_schema();
  const auto lock = hold_lock();
  TempDir dir;
  const auto config =
      write_config(dir, "  - name: hung\n    schedule: \"* * * * * *\"\n    call: blocked\n", "1s");
  REQUIRE(sqlcrond({"--config", config, "migrate"}).exit_code == 0);
  const auto log = (dir.path() / "serve.log").string();
  Process serve({SQLCROND_PATH, "--config", config, "serve"}, log);
  auto db = sqlcron::test::connect();
  const std::string state = kState;
  wait_for(*db, "SELECT COUNT(*) FROM " + state + ".runs WHERE status = 'running'", "1", 20s);
  const auto signalled = std::chrono::steady_clock::now();
  serve.signal(SIGTERM);
  const auto code = serve.wait(20s);
  const auto took = std::chrono::steady_clock::now() - signalled;
  INFO(sqlcron::test::read_text(log));
  REQUIRE(code == 0);
  CHECK(took >= 1s);  // the grace was given
  CHECK(db->query("SELECT status, error_code FROM " + state +
                  ".runs WHERE status <> 'skipped' ORDER BY run_id")
            .rows == std::vector<sqlcron::mysql::Row>{{"cancelled", "1317"}});
  CHECK_THAT(sqlcron::test::read_text(log), Catch::Contains("shutdown grace over"));
}
