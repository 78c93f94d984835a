// Every run starts on a clean session: nothing one job leaves in its session - user variables,
// time_zone, sql_mode, foreign_key_checks, temporary tables - reaches the next run on the same
// pooled connection (issue 13, item 8).
#include <catch2/catch.hpp>

#include "config/config_loader.hpp"
#include "exec/job_runner.hpp"
#include "migrate/migrator.hpp"
#include "mysql/connector.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

using sqlcron::exec::JobRunner;
using sqlcron::exec::RunRequest;
using sqlcron::test::TempDir;

namespace {

constexpr const char* kState = "it_reset_state";
constexpr const char* kWork = "it_reset_work";

std::shared_ptr<const sqlcron::config::Config> load(const TempDir& dir) {
  const auto settings = sqlcron::test::test_settings();
  const std::string db = settings.socket.empty() ? "  host: " + settings.host +
                                                       "\n  port: " + std::to_string(settings.port)
                                                 : "  socket: " + settings.socket;
  const auto file = dir.write(
      "sqlcron.yaml", "database:\n" + db + "\n  user: " + settings.user + "\n  schema: " + kWork +
                          "\nscheduler:\n  state_schema: " + kState +
                          "\njobs:\n"
                          "  - name: dirty\n    schedule: \"@hourly\"\n    call: dirty\n"
                          "  - name: observe\n    schedule: \"@hourly\"\n    call: observe\n");
  sqlcron::config::LoadOptions o;
  o.env_password = settings.password;
  return std::make_shared<const sqlcron::config::Config>(
      sqlcron::config::ConfigLoader::load(file, o));
}

}  // namespace

TEST_CASE("a run does not see the session state of the run before it on the same connection",
          "[integration][runner][session]") {
  {
    auto s = sqlcron::test::fresh_schema(kState);
    sqlcron::migrate::Migrator(*s, kState)
        .apply({"sqlcron", sqlcron::test::source_path("migrations/sqlcron"), kState});
    auto w = sqlcron::test::fresh_schema(kWork);
    w->execute_raw(
        "CREATE TABLE seen (leak VARCHAR(20), tz VARCHAR(64), fk INT, mode TEXT, tmp INT)");
    w->execute_raw(
        "CREATE PROCEDURE dirty() BEGIN SET @leak = 'from dirty'; SET time_zone = '+05:00';"
        " SET foreign_key_checks = 0; SET sql_mode = 'ALLOW_INVALID_DATES';"
        " CREATE TEMPORARY TABLE scratch (x INT); END");
    w->execute_raw(
        "CREATE PROCEDURE observe() BEGIN DECLARE existed INT DEFAULT 0;"
        " DECLARE CONTINUE HANDLER FOR 1050 SET existed = 1;"
        " INSERT INTO seen VALUES (@leak, @@session.time_zone, @@session.foreign_key_checks,"
        " @@session.sql_mode, NULL); CREATE TEMPORARY TABLE scratch (x INT);"
        " UPDATE seen SET tmp = existed; END");
  }
  TempDir dir;
  const auto config = load(dir);
  const sqlcron::mysql::Connector connector;
  // One connection: both runs use it.
  sqlcron::mysql::ConnectionPool pool{connector, sqlcron::test::test_settings(kWork), 1};
  sqlcron::runlog::Spool spool{(dir.path() / "runs.spool").string()};
  const JobRunner runner{pool, kState, "reset-test", spool};
  const auto request = [&](std::size_t job) {
    RunRequest r;
    r.config = config;
    r.job = job;
    r.scheduled_for = date::sys_days{date::year{2026} / 5 / 1};
    return r;
  };
  REQUIRE(runner.run(request(0), nullptr).outcome.status == sqlcron::core::RunStatus::succeeded);
  REQUIRE(runner.run(request(1), nullptr).outcome.status == sqlcron::core::RunStatus::succeeded);
  auto db = sqlcron::test::connect(kWork);
  const auto fresh = db->query("SELECT @@global.time_zone, @@global.sql_mode");
  const auto seen = db->query("SELECT leak, tz, fk, mode, tmp FROM seen");
  REQUIRE(seen.rows.size() == 1);
  CHECK(seen.rows[0][0] == std::nullopt);  // the user variable is gone
  CHECK(seen.rows[0][1] == fresh.rows.at(0).at(0));
  CHECK(seen.rows[0][2] == "1");
  CHECK(seen.rows[0][3] == fresh.rows.at(0).at(1));
  CHECK(seen.rows[0][4] == "0");  // no temporary table of the other run
}
