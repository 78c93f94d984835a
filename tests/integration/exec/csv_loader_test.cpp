// CsvLoader against the test server: each file once and whole, unparseable lines and values the
// table refuses rejected line by line with the reason, a header mismatch rejecting the file.
#include "exec/csv_loader.hpp"

#include <catch2/catch.hpp>

#include "config/config_loader.hpp"
#include "migrate/migrator.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

using sqlcron::exec::CsvLoader;
using sqlcron::test::TempDir;

namespace {

constexpr const char* kState = "it_csv_state";
constexpr const char* kWork = "it_csv_work";

std::int64_t count(sqlcron::mysql::Session& s, const std::string& sql) {
  return std::stoll(s.query(sql).rows.at(0).at(0).value_or("0"));
}

}  // namespace

TEST_CASE("load_csv loads each file once and whole, and rejects bad lines with the reason",
          "[csv][integration]") {
  auto s = sqlcron::test::fresh_schema(kState);
  sqlcron::migrate::Migrator(*s, kState)
      .apply({"sqlcron", sqlcron::test::source_path("migrations/sqlcron"), kState});
  auto w = sqlcron::test::fresh_schema(kWork);
  w->execute_raw(
      "CREATE TABLE raw (id INT AUTO_INCREMENT PRIMARY KEY, code VARCHAR(5), amount VARCHAR(20),"
      " source_file VARCHAR(255) NOT NULL, source_line INT NOT NULL,"
      " ingested_at DATETIME(6) NOT NULL, ingest_run_id BIGINT NOT NULL,"
      " ingest_slot DATETIME NOT NULL)");
  TempDir dir;
  const auto inbox = dir.path() / "in";
  std::filesystem::create_directory(inbox);
  const auto config_file =
      dir.write("sqlcron.yaml",
                std::string("database:\n  schema: ") + kWork +
                    "\njobs:\n  - name: ingest\n    schedule: \"@hourly\"\n"
                    "    load_csv: {dir: in, table: raw, columns: [code, amount], settle: 0s}\n");
  const auto config = sqlcron::config::ConfigLoader::load(config_file, {});
  const auto& job = config.jobs.at(0);
  const auto slot = date::sys_days{date::year{2026} / 11 / 22};

  dir.write("in/a.csv", "code,amount\r\nA1,10\r\nA2,\"1,5\"\r\nTOOLONG,3\r\nA4,4,extra\r\n");
  dir.write("in/b.csv", "CODE, Amount\nB1,\nB2,\"x\"y\n");
  dir.write("in/c.csv", "amount,code\n1,C1\n");   // columns in another order
  dir.write("in/.d.csv", "code,amount\nD1,1\n");  // being written: ignored
  dir.write("in/e.txt", "code,amount\nE1,1\n");   // not *.csv
  CsvLoader loader(*w, job, kWork, kState);
  const auto first = loader.load(101, slot);
  CHECK(first.files == 2);  // c.csv is refused: its only line is a header that does not match
  CHECK(first.files_refused == 1);
  CHECK(first.files_seen == 0);
  CHECK(first.rows == 3);  // A1, A2, B1
  CHECK(first.rejected == 4);
  const auto rows = w->query(
      "SELECT code, amount, source_file, source_line, ingest_run_id,"
      " ingest_slot FROM raw ORDER BY id");
  REQUIRE(rows.rows.size() == 3);
  CHECK(rows.rows[0][0] == "A1");
  CHECK(rows.rows[1][1] == "1,5");
  CHECK(rows.rows[1][2] == "a.csv");
  CHECK(rows.rows[1][3] == "3");
  CHECK(rows.rows[1][4] == "101");
  CHECK(rows.rows[1][5] == "2026-11-22 00:00:00");
  CHECK(rows.rows[2][0] == "B1");
  CHECK_FALSE(rows.rows[2][1].has_value());  // an empty unquoted field is NULL
  const auto rejects =
      s->query("SELECT file_name, line, reason, raw FROM load_rejects ORDER BY file_name, line");
  REQUIRE(rejects.rows.size() == 4);
  CHECK(rejects.rows[0][1] == "4");
  CHECK_THAT(*rejects.rows[0][2], Catch::Contains("refused by the server: error 1406"));
  CHECK(rejects.rows[0][3] == "TOOLONG,3");
  CHECK(rejects.rows[1][2] == "3 fields, expected 2");
  CHECK(rejects.rows[2][0] == "b.csv");
  CHECK(rejects.rows[2][2] == "text after a closing quote");
  CHECK(rejects.rows[3][0] == "c.csv");
  CHECK_THAT(*rejects.rows[3][2], Catch::Contains("the header does not name the configured"));
  CHECK(count(*s, "SELECT COUNT(*) FROM loaded_files") == 2);
  CHECK(count(*s, "SELECT COUNT(*) FROM rejected_files WHERE file_name = 'c.csv'") == 1);
  CHECK(count(*s, "SELECT rows_loaded FROM loaded_files WHERE file_name = 'a.csv'") == 2);
  CHECK(count(*s, "SELECT rows_rejected FROM loaded_files WHERE file_name = 'a.csv'") == 2);

  // Again, plus the same content under a new name: nothing is loaded.
  dir.write("in/a-copy.csv", "code,amount\r\nA1,10\r\nA2,\"1,5\"\r\nTOOLONG,3\r\nA4,4,extra\r\n");
  const auto second = loader.load(102, slot);
  CHECK(second.files == 0);
  CHECK(second.files_seen == 3);
  CHECK(second.files_refused == 0);  // refused before: left alone, the run does not fail again
  CHECK(second.files_refused_before == 1);
  CHECK(count(*w, "SELECT COUNT(*) FROM raw") == 3);
}
