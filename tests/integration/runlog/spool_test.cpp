#include "runlog/spool.hpp"

#include <catch2/catch.hpp>
#include <fstream>

#include "migrate/migrator.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

using sqlcron::core::RunOutcome;
using sqlcron::core::RunStatus;
using sqlcron::runlog::Claim;
using sqlcron::runlog::RunLog;
using sqlcron::runlog::Spool;

namespace {

constexpr const char* kState = "it_spool_state";

std::int64_t claim(sqlcron::mysql::Session& s, const RunLog& log, int hour) {
  Claim c;
  c.job = "j";
  c.scheduled_for = date::sys_days{date::year{2026} / 7 / 1} + std::chrono::hours{hour};
  c.instance = "lost-link";
  c.started_at = std::chrono::system_clock::now();
  return *log.claim(s, c);
}

}  // namespace

TEST_CASE("spooled results are written to the run log in order, once, when it is back",
          "[runlog]") {
  auto s = sqlcron::test::fresh_schema(kState);
  sqlcron::migrate::Migrator(*s, kState)
      .apply({"sqlcron", sqlcron::test::source_path("migrations/sqlcron"), kState});
  const RunLog log(kState);
  const auto a = claim(*s, log, 1);
  const auto b = claim(*s, log, 2);

  sqlcron::test::TempDir dir;
  Spool spool((dir.path() / "state" / "runs.spool").string());
  CHECK(spool.empty());
  RunOutcome ok;
  ok.status = RunStatus::succeeded;
  ok.duration = std::chrono::milliseconds(1500);
  ok.rows_affected = 42;
  RunOutcome failed;
  failed.status = RunStatus::failed;
  failed.error_code = 2013;
  failed.sql_state = "HY000";
  failed.error_message = "Lost connection\tduring query\nline two";
  const auto t = std::chrono::system_clock::now();
  spool.append(a, ok, t);
  spool.append(b, failed, t);
  CHECK_FALSE(spool.empty());

  // Another instance marked one of them abandoned meanwhile: our record still wins.
  s->execute(std::string("UPDATE ") + kState + ".runs SET status = 'abandoned' WHERE run_id = ?",
             {b});
  CHECK(spool.replay(*s, log) == 2);
  CHECK(spool.empty());
  const auto rows = s->query(std::string("SELECT status, rows_affected, duration_ms, error_code, "
                                         "error_message FROM ") +
                             kState + ".runs ORDER BY run_id");
  CHECK(rows.rows ==
        std::vector<sqlcron::mysql::Row>{
            {"succeeded", "42", "1500.000", std::nullopt, std::nullopt},
            {"failed", std::nullopt, "0.000", "2013", "Lost connection\tduring query\nline two"}});
  // Replaying again (say the file was restored) changes nothing: finished rows stay finished.
  spool.append(a, failed, t);
  CHECK(spool.replay(*s, log) == 1);
  CHECK(s->query(std::string("SELECT status FROM ") + kState + ".runs WHERE run_id = ?", {a})
            .rows[0][0] == "succeeded");
}

TEST_CASE("a torn last line from a crash mid-append is skipped", "[runlog]") {
  auto s = sqlcron::test::fresh_schema(kState);
  sqlcron::migrate::Migrator(*s, kState)
      .apply({"sqlcron", sqlcron::test::source_path("migrations/sqlcron"), kState});
  const RunLog log(kState);
  const auto a = claim(*s, log, 3);
  sqlcron::test::TempDir dir;
  const auto path = (dir.path() / "runs.spool").string();
  Spool spool(path);
  RunOutcome ok;
  spool.append(a, ok, std::chrono::system_clock::now());
  std::ofstream(path, std::ios::app) << "17\tsucc";  // the crash
  // The next append starts a line of its own: the torn one does not swallow it.
  const auto b = claim(*s, log, 6);
  RunOutcome failed;
  failed.status = RunStatus::failed;
  spool.append(b, failed, std::chrono::system_clock::now());
  CHECK(spool.replay(*s, log) == 2);
  CHECK(s->query(std::string("SELECT status FROM ") + kState + ".runs WHERE run_id = ?", {a})
            .rows[0][0] == "succeeded");
  CHECK(s->query(std::string("SELECT status FROM ") + kState + ".runs WHERE run_id = ?", {b})
            .rows[0][0] == "failed");
  CHECK(sqlcron::test::read_text(path + ".bad") == "17\tsucc\n");
}

TEST_CASE("a malformed line in the middle is set aside, the others are replayed, nothing throws",
          "[runlog]") {
  auto s = sqlcron::test::fresh_schema(kState);
  sqlcron::migrate::Migrator(*s, kState)
      .apply({"sqlcron", sqlcron::test::source_path("migrations/sqlcron"), kState});
  const RunLog log(kState);
  const auto a = claim(*s, log, 4);
  const auto b = claim(*s, log, 5);
  sqlcron::test::TempDir dir;
  const auto path = (dir.path() / "runs.spool").string();
  Spool spool(path);
  RunOutcome ok;
  const auto t = std::chrono::system_clock::now();
  spool.append(a, ok, t);
  // A number where none can be read (std::stoll threw here and stopped the health loop), and
  // a line of the wrong shape.
  const std::string bad1 = "x9\tsucceeded\t2026-07-01 04:00:00.000000\t1\t0\t0\t\t";
  const std::string bad2 = "17\tsucceeded\tnot a date\t1\t0\t0\t\t";
  std::ofstream(path, std::ios::app) << bad1 << "\n" << bad2 << "\n";
  spool.append(b, ok, t);

  std::size_t written = 0;
  REQUIRE_NOTHROW(written = spool.replay(*s, log));
  CHECK(written == 2);
  CHECK(spool.empty());
  CHECK(s->query(std::string("SELECT COUNT(*) FROM ") + kState + ".runs WHERE status = 'succeeded'")
            .rows[0][0] == "2");
  // Nothing is silently dropped: the bad lines are kept beside the spool, once each.
  std::ifstream kept(path + ".bad");
  REQUIRE(kept);
  std::vector<std::string> lines;
  for (std::string line; std::getline(kept, line);) lines.push_back(line);
  CHECK(lines == std::vector<std::string>{bad1, bad2});
  // Replaying again does not set them aside twice.
  CHECK(spool.replay(*s, log) == 0);
}
