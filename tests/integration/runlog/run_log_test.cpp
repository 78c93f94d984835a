#include "runlog/run_log.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

#include "migrate/migrator.hpp"
#include "runlog/notification_log.hpp"
#include "support/test_database.hpp"
#include "util/sql_time.hpp"

namespace {

constexpr const char* kState = "it_runlog_state";

std::unique_ptr<sqlcron::mysql::Session> prepare() {
  auto s = sqlcron::test::fresh_schema(kState);
  sqlcron::migrate::Migrator(*s, kState)
      .apply({"sqlcron", sqlcron::test::source_path("migrations/sqlcron"), kState});
  return s;
}

void insert_run(sqlcron::mysql::Session& s, const std::string& job, const std::string& slot,
                const std::string& status, const std::string& started) {
  s.execute(std::string("INSERT INTO ") + kState +
                ".runs (job, scheduled_for, attempt, cause, instance, started_at, status,"
                " duration_ms) VALUES (?, ?, 1, 'schedule', 'i', ?, ?, 12.5)",
            {job, slot, started, status});
}

}  // namespace

TEST_CASE("retention deletes old finished runs in batches and keeps running ones", "[runlog]") {
  auto s = prepare();
  for (int i = 0; i < 25; ++i) {
    insert_run(*s, "old", "2020-01-01 00:00:" + std::to_string(10 + i), "succeeded",
               "2020-01-01 00:00:00");
  }
  insert_run(*s, "old", "2020-01-02 00:00:00", "running", "2020-01-02 00:00:00");
  insert_run(*s, "new", "2026-01-01 00:00:00", "succeeded", "2026-01-01 00:00:00");
  const sqlcron::runlog::RunLog log(kState);
  const auto cutoff = sqlcron::util::from_sql_datetime("2025-01-01 00:00:00");
  CHECK(log.purge(*s, cutoff, 10) == 10);
  CHECK(log.purge(*s, cutoff, 10) == 10);
  CHECK(log.purge(*s, cutoff, 10) == 5);
  CHECK(log.purge(*s, cutoff, 10) == 0);
  const auto left =
      s->query(std::string("SELECT job, status FROM ") + kState + ".runs ORDER BY job");
  CHECK(left.rows == std::vector<sqlcron::mysql::Row>{{"new", "succeeded"}, {"old", "running"}});
}

TEST_CASE("summaries give each job's last run and its failed slots of the last day", "[runlog]") {
  auto s = prepare();
  insert_run(*s, "a", "2026-01-01 00:00:00", "succeeded", "2026-01-01 00:00:00");
  // Counted: a slot failed twice (once), a timeout, a backfill's January slot failing now. Not
  // counted: a slot whose retry succeeded, a failure of three days ago.
  s->execute(std::string("INSERT INTO ") + kState +
             ".runs (job, scheduled_for, attempt, cause, instance, started_at, status) VALUES"
             " ('a', '2026-01-06', 1, 'manual', 'i', UTC_TIMESTAMP(), 'failed'),"
             " ('a', '2026-01-06', 2, 'retry', 'i', UTC_TIMESTAMP(), 'succeeded'),"
             " ('a', UTC_TIMESTAMP() - INTERVAL 2 HOUR, 1, 'schedule', 'i', UTC_TIMESTAMP(), "
             "'failed'),"
             " ('a', UTC_TIMESTAMP() - INTERVAL 2 HOUR, 2, 'retry', 'i', UTC_TIMESTAMP(), "
             "'failed'),"
             " ('a', UTC_TIMESTAMP() - INTERVAL 1 HOUR, 1, 'schedule', 'i', UTC_TIMESTAMP(), "
             "'timed_out'),"
             " ('a', '2026-01-05', 1, 'manual', 'i', UTC_TIMESTAMP(), 'failed'),"
             " ('a', UTC_TIMESTAMP() - INTERVAL 3 DAY, 1, 'schedule', 'i',"
             " UTC_TIMESTAMP() - INTERVAL 3 DAY, 'failed')");
  insert_run(*s, "b", "2026-01-01 00:00:00", "succeeded", "2026-01-01 00:00:00");
  auto sums = sqlcron::runlog::RunLog(kState).summaries(*s);
  std::sort(sums.begin(), sums.end(), [](const auto& x, const auto& y) { return x.job < y.job; });
  REQUIRE(sums.size() == 2);
  CHECK(sums[0].job == "a");
  CHECK(sums[0].last_status == "failed");  // the latest run id
  CHECK(sums[0].failures_24h == 3);
  CHECK(sums[1].last_status == "succeeded");
  CHECK(sums[1].last_duration_ms == "12.500");
  CHECK(sums[1].failures_24h == 0);
}

TEST_CASE("a batch claims the free slots with one insert and reports the taken ones", "[runlog]") {
  auto s = prepare();
  const sqlcron::runlog::RunLog log(kState);
  const auto slot = date::sys_days{date::year{2026} / 8 / 1} + std::chrono::hours{3};
  const auto claim = [&](const std::string& job, const std::string& instance) {
    sqlcron::runlog::Claim c;
    c.job = job;
    c.scheduled_for = slot;
    c.instance = instance;
    c.started_at = sqlcron::util::from_sql_datetime("2026-08-01 03:00:00.000123");
    return c;
  };
  // Another instance already holds b's slot.
  REQUIRE(log.claim(*s, claim("b", "other")));
  const std::vector<sqlcron::runlog::Claim> batch{claim("a", "me"), claim("b", "me"),
                                                  claim("c", "me")};
  const auto ids = log.claim_batch(*s, batch);
  REQUIRE(ids.size() == 3);
  CHECK(ids[0].has_value());
  CHECK_FALSE(ids[1].has_value());
  CHECK(ids[2].has_value());
  CHECK(*ids[0] != *ids[2]);
  const auto owner = [&](std::int64_t id) {
    return s
        ->query(std::string("SELECT job, instance FROM ") + kState + ".runs WHERE run_id = ?", {id})
        .rows.at(0);
  };
  CHECK(owner(*ids[0]) == sqlcron::mysql::Row{"a", "me"});
  CHECK(owner(*ids[2]) == sqlcron::mysql::Row{"c", "me"});
  // The same slots again: all taken now, including by this instance's own earlier batch.
  const auto again = log.claim_batch(*s, batch);
  CHECK_FALSE(again[0].has_value());
  CHECK_FALSE(again[1].has_value());
  CHECK_FALSE(again[2].has_value());
}

TEST_CASE("a chain root's claimed run is its own chain, other runs keep theirs", "[runlog]") {
  auto s = prepare();
  const sqlcron::runlog::RunLog log(kState);
  const auto slot = date::sys_days{date::year{2026} / 8 / 1};
  const auto claim = [&](const std::string& job, bool root, std::int64_t chain) {
    sqlcron::runlog::Claim c;
    c.job = job;
    c.scheduled_for = slot;
    c.instance = "me";
    c.started_at = sqlcron::util::from_sql_datetime("2026-08-01 00:00:00.000456");
    c.chain_root = root;
    c.chain_run_id = chain;
    return c;
  };
  const auto chain_of = [&](std::int64_t id) {
    return s
        ->query(std::string("SELECT chain_run_id FROM ") + kState + ".runs WHERE run_id = ?", {id})
        .rows.at(0)
        .at(0);
  };
  const auto single = log.claim(*s, claim("root1", true, 0));
  REQUIRE(single);
  CHECK(chain_of(*single) == std::to_string(*single));
  const auto ids = log.claim_batch(
      *s, {claim("root2", true, 0), claim("plain", false, 0), claim("step", false, *single)});
  REQUIRE(ids.size() == 3);
  CHECK(chain_of(*ids[0]) == std::to_string(*ids[0]));
  CHECK_FALSE(chain_of(*ids[1]).has_value());
  CHECK(chain_of(*ids[2]) == std::to_string(*single));
}

TEST_CASE(
    "text that is not UTF-8 or too long never makes the server refuse a run's row or a "
    "notification",
    "[runlog]") {
  auto s = prepare();
  const sqlcron::runlog::RunLog log(kState);
  sqlcron::runlog::Claim c;
  c.job = "load";
  c.scheduled_for = date::sys_days{date::year{2026} / 8 / 1};
  c.instance = "me";
  c.started_at = sqlcron::util::from_sql_datetime("2026-08-01 00:00:00");
  const auto id = log.claim(*s, c);
  REQUIRE(id);
  sqlcron::core::RunOutcome o;
  o.status = sqlcron::core::RunStatus::failed;
  // A file name with a latin-1 byte, then a message cut in the middle of a character.
  o.error_message =
      "cannot read /in/caf\xe9.csv: No such file; " + std::string(3990, 'x') + "\xc3\xbc";
  log.finish(*s, *id, o, c.started_at);
  const auto row = s->query(
      std::string("SELECT status, error_message FROM ") + kState + ".runs WHERE run_id = ?", {*id});
  CHECK(row.rows.at(0).at(0) == "failed");
  CHECK_THAT(*row.rows.at(0).at(1), Catch::StartsWith("cannot read /in/caf?.csv"));

  sqlcron::runlog::Notification n;
  n.run_id = *id;
  n.job = "load";
  n.command = "[\"/bin/alert\"]";
  n.started_at = c.started_at;
  n.exit_code = 0;
  n.output = "latin-1 page: \xe9t\xe9 " + std::string(70000, 'y');  // over a TEXT column too
  sqlcron::runlog::NotificationLog(kState).record(*s, n);
  CHECK(std::stoll(*s->query(std::string("SELECT LENGTH(output) FROM ") + kState + ".notifications")
                        .rows.at(0)
                        .at(0)) == 65535);
}
