#include "migrate/migrator.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <exception>
#include <thread>

#include "migrate/migration_error.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

using sqlcron::migrate::MigrationError;
using sqlcron::migrate::MigrationSet;
using sqlcron::migrate::Migrator;
using sqlcron::test::TempDir;

namespace {

std::string scalar(sqlcron::mysql::Session& s, const std::string& sql) {
  return s.query(sql).rows.at(0).at(0).value_or("NULL");
}

}  // namespace

TEST_CASE("migrating twice is a no-op, a changed migration is refused", "[migrate]") {
  auto s = sqlcron::test::fresh_schema("it_migrate_state");
  sqlcron::test::fresh_schema("it_migrate_target");
  TempDir dir;
  dir.write("001_table.sql", "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10));\n");
  dir.write("002_proc.sql",
            "DELIMITER $$\nCREATE PROCEDURE add_row(IN p INT)\nBEGIN\n"
            "  INSERT INTO t VALUES (p, 'x;y');\nEND$$\nDELIMITER ;\nCALL add_row(1);\n");
  const MigrationSet set{"work", dir.path().string(), "it_migrate_target"};
  Migrator m(*s, "it_migrate_state");

  const auto first = m.apply(set);
  CHECK(first.applied == std::vector<std::string>{"001_table.sql", "002_proc.sql"});
  CHECK(scalar(*s, "SELECT COUNT(*) FROM it_migrate_target.t") == "1");
  CHECK(scalar(*s, "SELECT v FROM it_migrate_target.t") == "x;y");
  CHECK(scalar(*s, "SELECT COUNT(*) FROM it_migrate_state.schema_migrations") == "2");

  const auto second = m.apply(set);
  CHECK(second.applied.empty());
  CHECK(second.unchanged.size() == 2);
  CHECK(scalar(*s, "SELECT COUNT(*) FROM it_migrate_target.t") == "1");  // CALL not re-run

  // A changed applied file stops everything before a new file runs.
  dir.write("001_table.sql", "CREATE TABLE t (id BIGINT PRIMARY KEY);\n");
  dir.write("003_more.sql", "INSERT INTO t VALUES (3, 'new');\n");
  CHECK_THROWS_AS(m.apply(set), MigrationError);
  CHECK_THROWS_WITH(m.apply(set),
                    Catch::Contains("001_table.sql was changed after it was applied"));
  CHECK(scalar(*s, "SELECT COUNT(*) FROM it_migrate_target.t") == "1");
  CHECK(scalar(*s, "SELECT COUNT(*) FROM it_migrate_state.schema_migrations") == "2");
}

TEST_CASE("a failing statement names the file and line and is not recorded", "[migrate]") {
  auto s = sqlcron::test::fresh_schema("it_migrate_state");
  sqlcron::test::fresh_schema("it_migrate_target");
  TempDir dir;
  dir.write("001_ok.sql", "CREATE TABLE a (id INT);\n");
  dir.write("002_bad.sql", "CREATE TABLE b (id INT);\n\nINSERT INTO nowhere VALUES (1);\n");
  Migrator m(*s, "it_migrate_state");
  CHECK_THROWS_WITH(m.apply({"work", dir.path().string(), "it_migrate_target"}),
                    Catch::Contains("002_bad.sql:3: error 1146 (42S02)"));
  CHECK(scalar(*s, "SELECT GROUP_CONCAT(filename) FROM it_migrate_state.schema_migrations") ==
        "001_ok.sql");
}

TEST_CASE("sqlcron's own schema applies and has the run log's unique claim key", "[migrate]") {
  auto s = sqlcron::test::fresh_schema("it_state_schema");
  Migrator m(*s, "it_state_schema");
  const auto r =
      m.apply({"sqlcron", sqlcron::test::source_path("migrations/sqlcron"), "it_state_schema"});
  CHECK_FALSE(r.applied.empty());
  CHECK(scalar(*s,
               "SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) FROM "
               "information_schema.STATISTICS WHERE TABLE_SCHEMA = 'it_state_schema' AND "
               "TABLE_NAME = 'runs' AND INDEX_NAME = 'uq_runs_slot'") ==
        "job,scheduled_for,attempt");
  CHECK(scalar(*s,
               "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
               "'it_state_schema' AND TABLE_NAME IN ('runs', 'jobs', 'instances', "
               "'schema_migrations', 'last_runs', 'recent_failures')") == "6");
}

TEST_CASE("a repeatable file that changed is applied again, a changed version is still refused",
          "[migrate]") {
  auto s = sqlcron::test::fresh_schema("it_migrate_state");
  sqlcron::test::fresh_schema("it_migrate_target");
  TempDir dir;
  const std::string marker = "-- sqlcron: repeatable\n";
  dir.write("001_table.sql", "CREATE TABLE t (id INT PRIMARY KEY);\n");
  dir.write("002_proc.sql", marker +
                                "DROP PROCEDURE IF EXISTS p;\nDELIMITER $$\nCREATE PROCEDURE p()\n"
                                "BEGIN\n  INSERT INTO t VALUES (1);\nEND$$\nDELIMITER ;\n");
  const MigrationSet set{"work", dir.path().string(), "it_migrate_target"};
  Migrator m(*s, "it_migrate_state");
  CHECK(m.apply(set).applied.size() == 2);
  const std::string recorded =
      "SELECT checksum FROM it_migrate_state.schema_migrations WHERE filename = '002_proc.sql'";
  const auto first_sum = scalar(*s, recorded);

  // Unchanged: not run again.
  const auto same = m.apply(set);
  CHECK(same.applied.empty());
  CHECK(same.unchanged.size() == 2);

  // Changed (a new release of the procedure): applied again, the new checksum recorded.
  const std::string second = marker +
                             "DROP PROCEDURE IF EXISTS p;\nDELIMITER $$\nCREATE PROCEDURE p()\n"
                             "BEGIN\n  INSERT INTO t VALUES (2);\nEND$$\nDELIMITER ;\n";
  dir.write("002_proc.sql", second);
  const auto again = m.apply(set);
  CHECK(again.applied == std::vector<std::string>{"002_proc.sql"});
  CHECK(again.reapplied == std::vector<std::string>{"002_proc.sql"});
  CHECK(scalar(*s, recorded) == Migrator::checksum(second));
  CHECK(scalar(*s, recorded) != first_sum);
  CHECK(scalar(*s, "SELECT COUNT(*) FROM it_migrate_state.schema_migrations") == "2");
  s->execute_raw("CALL it_migrate_target.p()");
  CHECK(scalar(*s, "SELECT GROUP_CONCAT(id) FROM it_migrate_target.t") == "2");
  CHECK(m.apply(set).applied.empty());

  // The marker counts only as the first line; a changed version is refused as before, and
  // nothing (not the changed repeatable file either) is applied.
  dir.write("002_proc.sql", "-- changed\n" + marker + "SELECT 1;\n");
  CHECK_THROWS_WITH(m.apply(set), Catch::Contains("002_proc.sql was changed after it was applied"));
  dir.write("002_proc.sql", marker + "CREATE TABLE IF NOT EXISTS u (id INT PRIMARY KEY);\n");
  dir.write("001_table.sql", "CREATE TABLE t (id BIGINT PRIMARY KEY);\n");
  CHECK_THROWS_WITH(m.apply(set),
                    Catch::Contains("001_table.sql was changed after it was applied"));
  CHECK(scalar(*s,
               "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
               "'it_migrate_target' AND TABLE_NAME = 'u'") == "0");
}

TEST_CASE("a file with a UTF-8 byte order mark applies, and its marker counts", "[migrate]") {
  auto s = sqlcron::test::fresh_schema("it_migrate_state");
  sqlcron::test::fresh_schema("it_migrate_target");
  TempDir dir;
  dir.write("001_bom.sql",
            "\xEF\xBB\xBF-- sqlcron: repeatable\nCREATE TABLE IF NOT EXISTS b (x INT);\n");
  const MigrationSet set{"work", dir.path().string(), "it_migrate_target"};
  Migrator m(*s, "it_migrate_state");
  CHECK(m.apply(set).applied.size() == 1);
  dir.write("001_bom.sql",
            "\xEF\xBB\xBF-- sqlcron: repeatable\nCREATE TABLE IF NOT EXISTS b (x INT);\n-- v2\n");
  CHECK(m.apply(set).reapplied.size() == 1);
  CHECK(Migrator::repeatable("\xEF\xBB\xBF-- sqlcron: repeatable\n"));
}

TEST_CASE("repeatable: only an exact first line marks a file", "[migrate]") {
  CHECK(Migrator::repeatable("-- sqlcron: repeatable\nSELECT 1;\n"));
  CHECK(Migrator::repeatable("-- sqlcron: repeatable\r\nSELECT 1;\r\n"));
  CHECK(Migrator::repeatable("-- sqlcron: repeatable"));
  CHECK_FALSE(Migrator::repeatable("-- sqlcron: repeatable later\nSELECT 1;\n"));
  CHECK_FALSE(Migrator::repeatable("SELECT 1;\n-- sqlcron: repeatable\n"));
  CHECK_FALSE(Migrator::repeatable(" -- sqlcron: repeatable\n"));
  CHECK_FALSE(Migrator::repeatable(""));
}

TEST_CASE("a repeatable file whose re-apply failed half-way is applied again by the next migrate",
          "[migrate]") {
  auto s = sqlcron::test::fresh_schema("it_migrate_state");
  sqlcron::test::fresh_schema("it_migrate_target");
  TempDir dir;
  const std::string good =
      "-- sqlcron: repeatable\nDROP PROCEDURE IF EXISTS p;\nCREATE PROCEDURE p() SELECT 6;\n";
  dir.write("010_a.sql", good);
  const MigrationSet set{"work", dir.path().string(), "it_migrate_target"};
  Migrator m(*s, "it_migrate_state");
  m.apply(set);
  // A new release whose procedure does not compile: p is dropped, the new one not created.
  dir.write("010_a.sql",
            "-- sqlcron: repeatable\nDROP PROCEDURE IF EXISTS p;\nCREATE PROCEDURE p() SELEC 7;\n");
  CHECK_THROWS_WITH(m.apply(set), Catch::Contains("010_a.sql:3: error 1064"));
  // Rolled back to the release before: the file is the one recorded once, and still applied.
  dir.write("010_a.sql", good);
  const auto r = m.apply(set);
  CHECK(r.reapplied == std::vector<std::string>{"010_a.sql"});
  CHECK(scalar(*s,
               "SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = "
               "'it_migrate_target' AND ROUTINE_NAME = 'p'") == "1");
  CHECK(scalar(*s, "SELECT checksum FROM it_migrate_state.schema_migrations") ==
        Migrator::checksum(good));
}

TEST_CASE("a second migrate into the same schema waits for the first, and applies nothing twice",
          "[migrate]") {
  auto s = sqlcron::test::fresh_schema("it_migrate_state");
  sqlcron::test::fresh_schema("it_migrate_target");
  TempDir dir;
  dir.write("001_t.sql", "CREATE TABLE t (x INT);\n");
  dir.write("002_slow.sql", "DO SLEEP(1);\nINSERT INTO t VALUES (1);\n");
  const MigrationSet set{"work", dir.path().string(), "it_migrate_target"};
  std::exception_ptr first_failure;
  std::thread first([&] {
    try {
      auto s1 = sqlcron::test::connect();
      Migrator m1(*s1, "it_migrate_state");
      m1.apply(set);
    } catch (...) {
      first_failure = std::current_exception();
    }
  });
  // The second starts while the first holds the lock (it sleeps a second in 002).
  const auto holding =
      "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'DO SLEEP(1)%'";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (scalar(*s, holding) != "1" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const bool overlapped = scalar(*s, holding) == "1";
  Migrator m2(*s, "it_migrate_state");
  const auto second = m2.apply(set);
  first.join();
  REQUIRE(overlapped);
  CHECK_FALSE(first_failure);
  CHECK(second.applied.empty());
  CHECK(second.unchanged.size() == 2);
  CHECK(scalar(*s, "SELECT COUNT(*) FROM it_migrate_target.t") == "1");
}
