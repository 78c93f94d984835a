#include "exec/job_runner.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "config/config_loader.hpp"
#include "migrate/migrator.hpp"
#include "mysql/connector.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

using sqlcron::exec::JobRunner;
using sqlcron::exec::RunRequest;
using sqlcron::test::TempDir;

namespace {

constexpr const char* kState = "it_runner_state";
constexpr const char* kWork = "it_runner_work";

// A state schema and a work schema with procedures that succeed, fail and record their args.
void prepare() {
  auto s = sqlcron::test::fresh_schema(kState);
  sqlcron::migrate::Migrator(*s, kState)
      .apply({"sqlcron", sqlcron::test::source_path("migrations/sqlcron"), kState});
  auto w = sqlcron::test::fresh_schema(kWork);
  w->execute_raw("CREATE TABLE calls (run_id BIGINT, slot DATETIME, note VARCHAR(40))");
  w->execute_raw(
      "CREATE PROCEDURE ok(IN p_run BIGINT, IN p_slot DATETIME, IN p_note VARCHAR(40)) "
      "BEGIN INSERT INTO calls VALUES (p_run, p_slot, p_note); "
      "INSERT INTO calls VALUES (p_run, p_slot, 'second'); END");
  w->execute_raw(
      "CREATE PROCEDURE boom() BEGIN "
      "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'totals do not match'; "
      "END");
  w->execute_raw(
      "CREATE PROCEDURE leaves_open_tx() BEGIN START TRANSACTION; "
      "INSERT INTO calls VALUES (0, NULL, 'uncommitted'); END");
}

std::shared_ptr<const sqlcron::config::Config> load(const TempDir& dir) {
  const auto settings = sqlcron::test::test_settings();
  std::string db = settings.socket.empty()
                       ? "  host: " + settings.host + "\n  port: " + std::to_string(settings.port)
                       : "  socket: " + settings.socket;
  const auto file =
      dir.write("sqlcron.yaml",
                "database:\n" + db + "\n  user: " + settings.user + "\n  schema: " + kWork +
                    "\nscheduler:\n  state_schema: " + kState +
                    "\njobs:\n"
                    "  - name: good\n    schedule: \"@hourly\"\n    call: ok\n"
                    "    args: [\"{run_id}\", \"{scheduled_for}\", \"job {job} try {attempt}\"]\n"
                    "  - name: bad\n    schedule: \"@hourly\"\n    call: boom\n"
                    "  - name: missing\n    schedule: \"@hourly\"\n    call: no_such_procedure\n"
                    "  - name: statement\n    schedule: \"@hourly\"\n"
                    "    sql: \"DELETE FROM calls WHERE note = 'second'\"\n"
                    "  - name: open_tx\n    schedule: \"@hourly\"\n    call: leaves_open_tx\n");
  sqlcron::config::LoadOptions o;
  o.env_password = settings.password;
  return std::make_shared<const sqlcron::config::Config>(
      sqlcron::config::ConfigLoader::load(file, o));
}

struct Fixture {
  Fixture() : dir(), config(load(dir)) { prepare(); }
  TempDir dir;
  std::shared_ptr<const sqlcron::config::Config> config;
  sqlcron::mysql::Connector connector;
  sqlcron::mysql::ConnectionPool pool{connector, sqlcron::test::test_settings(kWork), 2};
  sqlcron::runlog::Spool spool{(dir.path() / "runs.spool").string()};
  JobRunner runner{pool, kState, "test-instance", spool};

  RunRequest request(std::size_t job, int hour) const {
    RunRequest r;
    r.config = config;
    r.job = job;
    r.scheduled_for = date::sys_days{date::year{2026} / 5 / 1} + std::chrono::hours{hour};
    return r;
  }
};

sqlcron::mysql::ResultSet runs_of(const std::string& job) {
  return sqlcron::test::connect()->query(
      std::string(
          "SELECT status, attempt, cause, error_code, sql_state, error_message, "
          "rows_affected, connection_id IS NOT NULL, finished_at >= started_at, "
          "duration_ms >= 0, DATE_FORMAT(scheduled_for, '%Y-%m-%d %H:%i:%s.%f'), instance FROM ") +
          kState + ".runs WHERE job = ?",
      {job});
}

}  // namespace

TEST_CASE("a succeeding job leaves exactly one succeeded row, with its args bound", "[runner]") {
  Fixture f;
  std::int64_t started_id = 0;
  const auto report =
      f.runner.run(f.request(0, 2), [&](std::int64_t id, std::uint64_t, auto) { started_id = id; });
  CHECK(report.claimed);
  CHECK(report.outcome.status == sqlcron::core::RunStatus::succeeded);
  CHECK(started_id == report.run_id);
  const auto rows = runs_of("good");
  REQUIRE(rows.rows.size() == 1);
  const auto& r = rows.rows[0];
  CHECK(r[0] == "succeeded");
  CHECK(r[1] == "1");
  CHECK(r[2] == "schedule");
  CHECK_FALSE(r[3].has_value());
  CHECK_FALSE(r[5].has_value());
  CHECK(r[7] == "1");
  CHECK(r[8] == "1");
  CHECK(r[9] == "1");
  CHECK(r[10] == "2026-05-01 02:00:00.000000");
  CHECK(r[11] == "test-instance");
  const auto calls =
      sqlcron::test::connect(kWork)->query("SELECT run_id, slot, note FROM calls ORDER BY note");
  REQUIRE(calls.rows.size() == 2);
  CHECK(calls.rows[0][0] == std::to_string(report.run_id));
  CHECK(calls.rows[0][1] == "2026-05-01 02:00:00");
  CHECK(calls.rows[0][2] == "job good try 1");
}

TEST_CASE("a procedure raising an error leaves one failed row with code, SQLSTATE and message",
          "[runner]") {
  Fixture f;
  const auto report = f.runner.run(f.request(1, 3), nullptr);
  CHECK(report.outcome.status == sqlcron::core::RunStatus::failed);
  const auto rows = runs_of("bad");
  REQUIRE(rows.rows.size() == 1);
  CHECK(rows.rows[0][0] == "failed");
  CHECK(rows.rows[0][3] == "1644");  // ER_SIGNAL_EXCEPTION
  CHECK(rows.rows[0][4] == "45000");
  CHECK_THAT(rows.rows[0][5].value_or(""), Catch::Contains("totals do not match"));
  CHECK_FALSE(rows.rows[0][6].has_value());
}

TEST_CASE("calling a missing procedure leaves one failed row with error 1305", "[runner]") {
  Fixture f;
  f.runner.run(f.request(2, 4), nullptr);
  const auto rows = runs_of("missing");
  REQUIRE(rows.rows.size() == 1);
  CHECK(rows.rows[0][0] == "failed");
  CHECK(rows.rows[0][3] == "1305");
  CHECK(rows.rows[0][4] == "42000");
  CHECK_THAT(rows.rows[0][5].value_or(""), Catch::Contains("no_such_procedure does not exist"));
}

TEST_CASE("a slot is claimed once: a second run of the same slot does not execute", "[runner]") {
  Fixture f;
  CHECK(f.runner.run(f.request(0, 5), nullptr).claimed);
  JobRunner other(f.pool, kState, "another-instance", f.spool);
  CHECK_FALSE(other.run(f.request(0, 5), nullptr).claimed);
  CHECK(runs_of("good").rows.size() == 1);
  CHECK(sqlcron::test::connect(kWork)->query("SELECT COUNT(*) FROM calls").rows[0][0] == "2");
}

TEST_CASE("sql jobs report rows affected, skipped slots are recorded with the reason", "[runner]") {
  Fixture f;
  f.runner.run(f.request(0, 6), nullptr);
  const auto report = f.runner.run(f.request(3, 6), nullptr);
  CHECK(report.outcome.status == sqlcron::core::RunStatus::succeeded);
  CHECK(report.outcome.rows_affected == 1);
  f.runner.skip(f.request(3, 7), "overlap: still running");
  // The run-log writer records skips on its own thread: wait (bounded) for the row.
  auto rows = runs_of("statement");
  for (const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
       rows.rows.size() < 2 && std::chrono::steady_clock::now() < until;
       rows = runs_of("statement")) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(rows.rows.size() == 2);
  CHECK(rows.rows[1][0] == "skipped");
  CHECK(rows.rows[1][5] == "overlap: still running");
}

TEST_CASE("work a job leaves uncommitted is rolled back, as at the end of an event", "[runner]") {
  Fixture f;
  const auto report = f.runner.run(f.request(4, 8), nullptr);
  CHECK(report.outcome.status == sqlcron::core::RunStatus::succeeded);
  CHECK(runs_of("open_tx").rows.at(0)[0] == "succeeded");
  CHECK(sqlcron::test::connect(kWork)
            ->query("SELECT COUNT(*) FROM calls WHERE note = 'uncommitted'")
            .rows[0][0] == "0");
}
