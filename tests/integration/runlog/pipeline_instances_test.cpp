#include "runlog/pipeline_instances.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "migrate/migrator.hpp"
#include "support/test_database.hpp"

namespace {

constexpr const char* kState = "it_instances_state";
const std::string kRuns = std::string(kState) + ".runs";

std::unique_ptr<sqlcron::mysql::Session> prepare() {
  auto s = sqlcron::test::fresh_schema(kState);
  sqlcron::migrate::Migrator(*s, kState)
      .apply({"sqlcron", sqlcron::test::source_path("migrations/sqlcron"), kState});
  return s;
}

// A run of `job` for `slot`; `chain` 0: none, -1: itself (a root); returns its run id.
std::int64_t run(sqlcron::mysql::Session& s, const std::string& job, const std::string& slot,
                 int attempt, const std::string& cause, std::int64_t chain,
                 const std::string& status, const std::string& error = "") {
  s.execute("INSERT INTO " + kRuns +
                " (job, scheduled_for, attempt, cause, chain_run_id, instance, started_at,"
                " finished_at, duration_ms, status, error_message)"
                " VALUES (?, ?, ?, ?, NULLIF(?, 0), 'i', NOW(6), NOW(6), 1, ?, NULLIF(?, ''))",
            {job, slot, attempt, cause, chain > 0 ? chain : 0, status, error});
  const auto id = std::stoll(*s.query("SELECT LAST_INSERT_ID()").rows[0][0]);
  if (chain < 0) s.execute("UPDATE " + kRuns + " SET chain_run_id = run_id WHERE run_id = ?", {id});
  return id;
}

sqlcron::mysql::ResultSet from_view(sqlcron::mysql::Session& s, int limit) {
  return s.query(std::string("SELECT chain_run_id, root_job, slot, succeeded, failed, skipped,"
                             " running, failed_job, failed_run_id, error_message FROM ") +
                     kState + ".pipeline_instances ORDER BY chain_run_id DESC LIMIT ?",
                 {limit});
}

// Rows read by the handlers of this session (index and table scans) while `f` runs.
template <typename F>
std::int64_t rows_read(sqlcron::mysql::Session& s, F f) {
  const auto read = [&] {
    return std::stoll(*s.query("SELECT SUM(VARIABLE_VALUE) FROM information_schema.SESSION_STATUS"
                               " WHERE VARIABLE_NAME IN ('HANDLER_READ_NEXT', 'HANDLER_READ_PREV',"
                               " 'HANDLER_READ_RND_NEXT', 'HANDLER_READ_KEY', 'HANDLER_READ_FIRST',"
                               " 'HANDLER_READ_LAST', 'HANDLER_READ_RND')")
                           .rows[0][0]);
  };
  const auto before = read();
  f();
  return read() - before;
}

}  // namespace

TEST_CASE("the latest pipeline instances are the view's rows for them", "[runlog][chains]") {
  auto s = prepare();
  // An instance whose last step failed after a retry of its middle step, with a failure hook.
  const auto a = run(*s, "extract", "2026-01-01", 1, "schedule", -1, "succeeded");
  run(*s, "transform", "2026-01-01", 1, "chain", a, "failed", "lock wait");
  run(*s, "transform", "2026-01-01", 2, "retry", a, "succeeded");
  run(*s, "load", "2026-01-01", 1, "chain", a, "failed", "load broke");
  run(*s, "alert", "2026-01-01", 1, "failure_hook", a, "succeeded");
  // A root of an older version that names no chain, and its step.
  const auto b = run(*s, "extract", "2026-01-02", 1, "schedule", 0, "succeeded");
  run(*s, "transform", "2026-01-02", 1, "chain", b, "running");
  // Roots that never got further: no instances - the newest ids of all.
  for (int i = 0; i < 5; ++i) {
    const auto r = run(*s, "extract", "2026-01-0" + std::to_string(3 + i), 1, "schedule", -1,
                       "failed", "source down");
    run(*s, "extract", "2026-01-0" + std::to_string(3 + i), 2, "retry", r, "failed", "again");
  }
  // Then instances with a skipped step.
  for (int i = 0; i < 3; ++i) {
    const auto slot = "2026-02-0" + std::to_string(1 + i);
    const auto r = run(*s, "extract", slot, 1, "schedule", -1, "succeeded");
    run(*s, "transform", slot, 1, "chain", r, "succeeded");
    run(*s, "load", slot, 1, "chain", r, "skipped", "no new data");
  }
  for (int i = 0; i < 5; ++i) {  // more roots that got nowhere
    run(*s, "extract", "2026-03-0" + std::to_string(1 + i), 1, "schedule", -1, "failed", "x");
  }
  const sqlcron::runlog::PipelineInstances instances(kState);
  for (const int limit : {1, 2, 4, 5, 6, 100}) {
    INFO("limit " << limit);
    const auto got = instances.latest(*s, limit);
    const auto want = from_view(*s, limit);
    CHECK(got.rows.size() == std::min<std::size_t>(limit, 5));
    CHECK(got.rows == want.rows);
  }
  const auto first = instances.latest(*s, 100).rows.back();
  CHECK(first == sqlcron::mysql::Row{std::to_string(a), "extract", "2026-01-01 00:00:00", "2", "1",
                                     "0", "0", "load", first[8], "load broke"});
}

TEST_CASE("the latest pipeline instances cost what they show, not the whole run log",
          "[runlog][chains]") {
  auto s = prepare();
  // 20,000 three-step instances.
  s->execute_raw("INSERT INTO " + kRuns +
                 " (job, scheduled_for, attempt, cause, instance, started_at, finished_at,"
                 " duration_ms, status)"
                 " SELECT j.job, TIMESTAMP('2026-01-01') + INTERVAL q.seq SECOND, 1,"
                 " IF(j.job = 'root', 'schedule', 'chain'), 'x', NOW(6), NOW(6), 1, 'succeeded'"
                 " FROM seq_1_to_20000 q CROSS JOIN"
                 " (SELECT 'root' AS job UNION SELECT 'step' UNION SELECT 'last') j");
  s->execute_raw("UPDATE " + kRuns + " r JOIN " + kRuns +
                 " root ON root.job = 'root' AND root.scheduled_for = r.scheduled_for"
                 " SET r.chain_run_id = root.run_id");
  const sqlcron::runlog::PipelineInstances instances(kState);
  sqlcron::mysql::ResultSet got;
  const auto read = rows_read(*s, [&] { got = instances.latest(*s, 5); });
  CHECK(got.rows == from_view(*s, 5).rows);
  const auto view = rows_read(*s, [&] { from_view(*s, 5); });
  INFO("rows read: " << read << ", through the view: " << view);
  CHECK(view > 60000);  // the view reads every run
  CHECK(read < 1000);
}

TEST_CASE("a step cancelled by a shutdown leaves its instance failed at that step, not healthy",
          "[runlog][chains]") {
  auto s = prepare();
  const auto a = run(*s, "extract", "2026-01-01", 1, "schedule", -1, "succeeded");
  const auto t = run(*s, "transform", "2026-01-01", 1, "chain", a, "cancelled", "shutdown");
  const sqlcron::runlog::PipelineInstances instances(kState);
  const auto got = instances.latest(*s, 10);
  CHECK(got.rows == from_view(*s, 10).rows);
  REQUIRE(got.rows.size() == 1);
  CHECK(got.rows[0][4] == "1");  // failed
  CHECK(got.rows[0][7] == "transform");
  CHECK(got.rows[0][8] == std::to_string(t));
}
