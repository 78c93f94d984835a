#include "runlog/run_finisher.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "migrate/migrator.hpp"
#include "mysql/connector.hpp"
#include "mysql/db_error.hpp"
#include "runlog/run_log.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"
#include "util/sql_time.hpp"

using sqlcron::core::RunStatus;
using sqlcron::runlog::Claim;
using sqlcron::runlog::FinishedRun;
using sqlcron::runlog::RunFinisher;
using sqlcron::runlog::RunLog;
using sqlcron::runlog::Spool;

namespace {

constexpr const char* kState = "it_finisher_state";

std::unique_ptr<sqlcron::mysql::Session> prepare() {
  auto s = sqlcron::test::fresh_schema(kState);
  sqlcron::migrate::Migrator(*s, kState)
      .apply({"sqlcron", sqlcron::test::source_path("migrations/sqlcron"), kState});
  return s;
}

std::int64_t claim(sqlcron::mysql::Session& s, const std::string& job, int minute) {
  Claim c;
  c.job = job;
  c.scheduled_for = date::sys_days{date::year{2026} / 7 / 1} + std::chrono::minutes{minute};
  c.instance = "finisher-test";
  c.started_at = std::chrono::system_clock::now();
  return *RunLog(kState).claim(s, c);
}

void add_job(sqlcron::mysql::Session& s, const std::string& name) {
  s.execute(std::string("INSERT INTO ") + kState +
                ".jobs (name, schedule, timezone, target, enabled, defined_at, updated_at,"
                " updated_by) VALUES (?, '* * * * *', 'UTC', 'p', 1, UTC_TIMESTAMP(6),"
                " UTC_TIMESTAMP(6), 'test')",
            {name});
}

FinishedRun finished(std::int64_t run_id, const std::string& job, RunStatus status) {
  FinishedRun f;
  f.run_id = run_id;
  f.job = job;
  f.finished_at = std::chrono::system_clock::now();
  f.outcome.status = status;
  f.outcome.duration = std::chrono::microseconds(1500);
  if (status == RunStatus::succeeded) {
    f.outcome.rows_affected = 7;
  } else {
    f.outcome.error_code = 1644;
    f.outcome.sql_state = "45000";
    f.outcome.error_message = "totals do not match";
  }
  f.next_fire = date::sys_days{date::year{2026} / 8 / 1};
  return f;
}

RunFinisher::Open opener() {
  return [] { return sqlcron::test::connect(); };
}

}  // namespace

TEST_CASE("runs finished from many threads at once all get their result, once", "[runlog]") {
  auto s = prepare();
  constexpr int kJobs = 4;
  constexpr int kRunsPerJob = 50;
  std::vector<std::vector<std::int64_t>> ids(kJobs);
  for (int j = 0; j < kJobs; ++j) {
    add_job(*s, "job" + std::to_string(j));
    for (int m = 0; m < kRunsPerJob; ++m) ids[j].push_back(claim(*s, "job" + std::to_string(j), m));
  }
  sqlcron::test::TempDir dir;
  Spool spool((dir.path() / "runs.spool").string());
  RunFinisher finisher(kState, opener(), spool);
  const sqlcron::mysql::Connector connector;
  std::vector<std::thread> threads;
  threads.reserve(kJobs);
  std::atomic<int> written{0};
  for (int j = 0; j < kJobs; ++j) {
    threads.emplace_back([&, j] {
      const sqlcron::mysql::Connector::ThreadScope scope(connector);
      for (int m = 0; m < kRunsPerJob; ++m) {
        const auto status = m % 5 == 0 ? RunStatus::failed : RunStatus::succeeded;
        if (finisher.finish(finished(ids[j][m], "job" + std::to_string(j), status))) ++written;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(written == kJobs * kRunsPerJob);
  CHECK(spool.empty());
  const auto counts = s->query(std::string("SELECT status, COUNT(*), MIN(duration_ms),"
                                           " MAX(rows_affected), MAX(error_code),"
                                           " MAX(sql_state), MAX(error_message),"
                                           " SUM(finished_at IS NULL) FROM ") +
                               kState + ".runs GROUP BY status ORDER BY status");
  CHECK(counts.rows ==
        std::vector<sqlcron::mysql::Row>{
            {"succeeded", "160", "1.500", "7", std::nullopt, std::nullopt, std::nullopt, "0"},
            {"failed", "40", "1.500", std::nullopt, "1644", "45000", "totals do not match", "0"}});
  // Each job's row names its latest run.
  const auto jobs = s->query(std::string("SELECT name, last_run_id, last_status,"
                                         " DATE_FORMAT(next_fire_at, '%Y-%m-%d %H:%i:%s') FROM ") +
                             kState + ".jobs ORDER BY name");
  REQUIRE(jobs.rows.size() == kJobs);
  for (int j = 0; j < kJobs; ++j) {
    CHECK(jobs.rows[j][1] == std::to_string(ids[j].back()));
    CHECK(jobs.rows[j][2] == "succeeded");
    CHECK(jobs.rows[j][3] == "2026-08-01 00:00:00");
  }
}

TEST_CASE("a run finished elsewhere keeps its result, an abandoned one is finished", "[runlog]") {
  auto s = prepare();
  const auto done = claim(*s, "j", 1);
  const auto abandoned = claim(*s, "j", 2);
  s->execute(std::string("UPDATE ") + kState +
                 ".runs SET status = 'cancelled', error_message = 'first' WHERE run_id = ?",
             {done});
  s->execute(std::string("UPDATE ") + kState + ".runs SET status = 'abandoned' WHERE run_id = ?",
             {abandoned});
  sqlcron::test::TempDir dir;
  Spool spool((dir.path() / "runs.spool").string());
  RunFinisher finisher(kState, opener(), spool);
  CHECK(finisher.finish(finished(done, "j", RunStatus::succeeded)));
  CHECK(finisher.finish(finished(abandoned, "j", RunStatus::succeeded)));
  const auto rows = s->query(std::string("SELECT status, error_message FROM ") + kState +
                             ".runs ORDER BY run_id");
  CHECK(rows.rows ==
        std::vector<sqlcron::mysql::Row>{{"cancelled", "first"}, {"succeeded", std::nullopt}});
}

TEST_CASE("results that cannot be written are spooled and replayed later", "[runlog]") {
  auto s = prepare();
  const auto id = claim(*s, "j", 1);
  sqlcron::test::TempDir dir;
  Spool spool((dir.path() / "runs.spool").string());
  int opens = 0;
  RunFinisher finisher(
      kState,
      [&opens]() -> std::unique_ptr<sqlcron::mysql::Session> {
        ++opens;
        throw sqlcron::mysql::DbError(2002, "HY000", "Can't connect to the server");
      },
      spool);
  CHECK_FALSE(finisher.finish(finished(id, "j", RunStatus::succeeded)));
  CHECK(opens == 2);  // one retry on a fresh connection
  CHECK(spool.records() == 1);
  CHECK(s->query(std::string("SELECT status FROM ") + kState + ".runs").rows ==
        std::vector<sqlcron::mysql::Row>{{"running"}});
  CHECK(spool.replay(*s, RunLog(kState)) == 1);
  CHECK(s->query(std::string("SELECT status, rows_affected FROM ") + kState + ".runs").rows ==
        std::vector<sqlcron::mysql::Row>{{"succeeded", "7"}});
}

TEST_CASE("a batch-claimed run's connection and start time come with its finish, or before it",
          "[runlog]") {
  auto s = prepare();
  const auto quick = claim(*s, "j", 1);
  const auto slow = claim(*s, "j", 2);
  const auto done = claim(*s, "j", 3);
  const auto unknown = claim(*s, "j", 4);
  s->execute(std::string("UPDATE ") + kState +
                 ".runs SET status = 'succeeded', connection_id = 5 WHERE run_id = ?",
             {done});
  const auto before =
      s->query(std::string("SELECT started_at FROM ") + kState + ".runs WHERE run_id = ?",
               {unknown})
          .rows.at(0)
          .at(0);
  sqlcron::test::TempDir dir;
  Spool spool((dir.path() / "runs.spool").string());
  const auto at = sqlcron::util::from_sql_datetime("2026-07-01 00:01:00.25");
  {
    RunFinisher finisher(kState, opener(), spool);
    auto f = finished(quick, "j", RunStatus::succeeded);
    f.connection_id = 77;
    f.started_at = at;
    CHECK(finisher.finish(f));
    // A long run: recorded while it runs; a finished one is left alone.
    finisher.record_started(slow, 78, at);
    finisher.record_started(done, 79, at);
    CHECK(finisher.finish(finished(unknown, "j", RunStatus::succeeded)));
  }  // the destructor writes what is still queued
  const auto rows =
      s->query(std::string("SELECT connection_id, DATE_FORMAT(started_at, '%H:%i:%s.%f'), status"
                           " FROM ") +
                   kState + ".runs WHERE run_id IN (?, ?, ?) ORDER BY run_id",
               {quick, slow, done});
  CHECK(rows.rows == std::vector<sqlcron::mysql::Row>{{"77", "00:01:00.250000", "succeeded"},
                                                      {"78", "00:01:00.250000", "running"},
                                                      {"5", rows.rows.at(2).at(1), "succeeded"}});
  // A result without start details keeps the claim's.
  CHECK(s->query(std::string("SELECT started_at, connection_id FROM ") + kState +
                     ".runs WHERE run_id = ?",
                 {unknown})
            .rows.at(0) == sqlcron::mysql::Row{before, "0"});
}

TEST_CASE(
    "a skipped slot whose row cannot be written is spooled and inserted when the database "
    "is back",
    "[runlog][finisher]") {
  auto s = prepare();
  sqlcron::test::TempDir dir;
  Spool spool((dir.path() / "runs.spool").string());
  {
    // No database: opening the writer's connection fails.
    RunFinisher down(
        kState,
        []() -> std::unique_ptr<sqlcron::mysql::Session> {
          throw sqlcron::mysql::DbError(2003, "HY000", "Can't connect");
        },
        spool);
    Claim c;
    c.job = "hourly";
    c.scheduled_for = date::sys_days{date::year{2026} / 7 / 1} + std::chrono::hours{3};
    c.instance = "finisher-test";
    c.started_at = std::chrono::system_clock::now();
    down.record_skipped(c, "misfire: missed by more than misfire_grace\nsecond line");
  }  // the destructor writes what is queued
  REQUIRE_FALSE(spool.empty());
  CHECK(spool.replay(*s, RunLog(kState)) == 1);
  const auto rows =
      s->query(std::string("SELECT job, DATE_FORMAT(scheduled_for, '%Y-%m-%d %H:%i:%s'), status,"
                           " error_message FROM ") +
               kState + ".runs");
  CHECK(rows.rows == std::vector<sqlcron::mysql::Row>{
                         {"hourly", "2026-07-01 03:00:00", "skipped",
                          "misfire: missed by more than misfire_grace\nsecond line"}});
}
