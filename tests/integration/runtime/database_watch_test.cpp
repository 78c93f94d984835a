#include "runtime/database_watch.hpp"

#include <catch2/catch.hpp>

#include "migrate/migrator.hpp"
#include "mysql/connector.hpp"
#include "runlog/run_log.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

using sqlcron::runlog::Claim;
using sqlcron::runlog::RunLog;
using sqlcron::runlog::Spool;
using sqlcron::runtime::DatabaseWatch;

namespace {

constexpr const char* kState = "it_watch_state";

std::unique_ptr<sqlcron::mysql::Session> prepare() {
  auto s = sqlcron::test::fresh_schema(kState);
  sqlcron::migrate::Migrator(*s, kState)
      .apply({"sqlcron", sqlcron::test::source_path("migrations/sqlcron"), kState});
  return s;
}

}  // namespace

TEST_CASE("a result spooled by a crashed instance is the truth: replayed, never abandoned",
          "[integration][watch]") {
  auto db = prepare();
  // The crashed instance registered, claimed a run, spooled its success, and died.
  db->execute_raw(std::string("INSERT INTO ") + kState +
                  ".instances VALUES ('crashed', 'h', 1, 'v', UTC_TIMESTAMP(6),"
                  " UTC_TIMESTAMP(6) - INTERVAL 1 HOUR, UTC_TIMESTAMP(6))");
  Claim c;
  c.job = "etl";
  c.scheduled_for = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  c.instance = "crashed";
  c.started_at = std::chrono::system_clock::now();
  const auto run_id = *RunLog(kState).claim(*db, c);
  sqlcron::test::TempDir dir;
  Spool spool((dir.path() / "runs.spool").string());
  sqlcron::core::RunOutcome ok;
  ok.status = sqlcron::core::RunStatus::succeeded;
  ok.rows_affected = 3;
  spool.append(run_id, ok, std::chrono::system_clock::now());

  const sqlcron::mysql::Connector connector;
  DatabaseWatch watch(connector, sqlcron::test::test_settings(), kState, "restarted", spool,
                      std::chrono::hours(24));
  const auto h = watch.check();
  REQUIRE(h.up);
  CHECK(h.replayed == 1);
  CHECK(h.abandoned.empty());  // nothing to retry: the run succeeded
  const auto row = db->query(std::string("SELECT status, rows_affected FROM ") + kState +
                             ".runs WHERE run_id = " + std::to_string(run_id));
  CHECK(row.rows.at(0) == sqlcron::mysql::Row{"succeeded", "3"});
}
