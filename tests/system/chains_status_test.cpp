// Black-box: `sqlcrond status --chains --limit N` costs what it shows - it reads the N newest
// pipeline instances, not the whole run log (which the view pipeline_instances aggregates).
#include <catch2/catch.hpp>

#include "support/system_harness.hpp"
#include "support/test_database.hpp"

using sqlcron::test::ConfigSpec;
using sqlcron::test::sqlcrond;
using sqlcron::test::TempDir;

namespace {

constexpr const char* kState = "st_chains_state";
constexpr const char* kWork = "st_chains_work";
const std::string kRuns = std::string(kState) + ".runs";

// Rows read by every session's handlers so far (the test server is this test's alone).
std::int64_t rows_read(sqlcron::mysql::Session& db) {
  return std::stoll(*db.query("SELECT SUM(VARIABLE_VALUE) FROM information_schema.GLOBAL_STATUS"
                              " WHERE VARIABLE_NAME IN ('HANDLER_READ_NEXT', 'HANDLER_READ_PREV',"
                              " 'HANDLER_READ_RND_NEXT', 'HANDLER_READ_KEY', 'HANDLER_READ_FIRST',"
                              " 'HANDLER_READ_LAST', 'HANDLER_READ_RND')")
                         .rows[0][0]);
}

}  // namespace

TEST_CASE("status --chains --limit N reads the N newest instances, not the whole run log",
          "[system][chains]") {
  sqlcron::test::prepare_schemas(kState, kWork);
  const TempDir dir;
  const auto config =
      write_config(dir, ConfigSpec{kState, kWork,
                                   "  - name: root\n    schedule: \"0 0 1 1 *\"\n    sql: DO 1\n"
                                   "  - name: step\n    after: [root]\n    sql: DO 1\n"
                                   "  - name: last\n    after: [step]\n    sql: DO 1\n",
                                   "10s", "", "", "off", ""});
  REQUIRE(sqlcrond({"--config", config, "migrate"}).exit_code == 0);
  auto db = sqlcron::test::connect(kState);
  // 20,000 three-step instances: 60,000 runs.
  db->execute_raw("INSERT INTO " + kRuns +
                  " (job, scheduled_for, attempt, cause, instance, started_at, finished_at,"
                  " duration_ms, status)"
                  " SELECT j.job, TIMESTAMP('2026-01-01') + INTERVAL q.seq MINUTE, 1,"
                  " IF(j.job = 'root', 'schedule', 'chain'), 'x', NOW(6), NOW(6), 1, 'succeeded'"
                  " FROM seq_1_to_20000 q CROSS JOIN"
                  " (SELECT 'root' AS job UNION SELECT 'step' UNION SELECT 'last') j");
  db->execute_raw("UPDATE " + kRuns + " r JOIN " + kRuns +
                  " root ON root.job = 'root' AND root.scheduled_for = r.scheduled_for"
                  " SET r.chain_run_id = root.run_id");

  const auto before = rows_read(*db);
  const auto r = sqlcrond({"--config", config, "status", "--chains", "--limit", "3"});
  const auto read = rows_read(*db) - before;
  INFO(r.output);
  INFO("rows read: " << read);
  CHECK(r.exit_code == 0);
  // The three newest, oldest first: the slots of instances 19,998 to 20,000.
  CHECK_THAT(r.output, Catch::Contains("2026-01-14 21:18:00") &&
                           Catch::Contains("2026-01-14 21:20:00") &&
                           !Catch::Contains("2026-01-14 21:17:00"));
  CHECK(read < 10000);  // through the view: more than 60,000 (every run, then its aggregates)
}
