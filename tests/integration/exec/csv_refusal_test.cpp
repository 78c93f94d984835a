// CsvLoader against the test server (issue 16): a file with more rejected lines than
// max_reject_ratio is refused whole and remembered apart from loaded files, until forget();
// rejected lines keep their bytes; a file still changing waits; archive (never over a file, also
// across file systems) and delete; symbolic links and entries that cannot be examined are never
// read, and the other files load.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "config/config_loader.hpp"
#include "exec/csv_loader.hpp"
#include "migrate/migrator.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"
#include "util/file_text.hpp"

using sqlcron::exec::CsvLoader;
using sqlcron::test::TempDir;

namespace fs = std::filesystem;

namespace {

constexpr const char* kState = "it_csvr_state";
constexpr const char* kWork = "it_csvr_work";

std::int64_t count(sqlcron::mysql::Session& s, const std::string& sql) {
  return std::stoll(s.query(sql).rows.at(0).at(0).value_or("0"));
}

struct Fixture {
  std::unique_ptr<sqlcron::mysql::Session> state;
  std::unique_ptr<sqlcron::mysql::Session> work;
  TempDir dir;
  sqlcron::config::Config config;

  explicit Fixture(const std::string& load_extra) {
    state = sqlcron::test::fresh_schema(kState);
    sqlcron::migrate::Migrator(*state, kState)
        .apply({"sqlcron", sqlcron::test::source_path("migrations/sqlcron"), kState});
    work = sqlcron::test::fresh_schema(kWork);
    work->execute_raw(
        "CREATE TABLE raw (id INT AUTO_INCREMENT PRIMARY KEY, code VARCHAR(5), amount "
        "VARCHAR(20), source_file VARCHAR(255) NOT NULL, source_line INT NOT NULL,"
        " ingested_at DATETIME(6) NOT NULL, ingest_run_id BIGINT NOT NULL,"
        " ingest_slot DATETIME NOT NULL)");
    fs::create_directory(dir.path() / "in");
    const auto file = dir.write("sqlcron.yaml",
                                std::string("database:\n  schema: ") + kWork +
                                    "\njobs:\n  - name: ingest\n    schedule: \"@hourly\"\n"
                                    "    load_csv: {dir: in, table: raw, columns: [code, amount]" +
                                    load_extra + "}\n");
    config = sqlcron::config::ConfigLoader::load(file, {});
  }
  [[nodiscard]] const sqlcron::config::JobConfig& job() const { return config.jobs.at(0); }
};

const auto kSlot = date::sys_days{date::year{2026} / 11 / 22};

}  // namespace

TEST_CASE(
    "load_csv refuses a file with too many rejected lines, keeps their bytes, and loads it "
    "again once forgotten",
    "[csv][integration]") {
  Fixture f(", settle: 0s, max_reject_ratio: 0.5");
  // 1 good line, 2 bad ones (one not UTF-8): 2/3 > 0.5.
  f.dir.write("in/a.csv", "code,amount\nA1,1\nA2\n\xff\xfe,1,2\n");
  f.dir.write("in/b.csv", "code,amount\nB1,1\nB2,2\nB3\n");  // 1/3: loaded
  CsvLoader loader(*f.work, f.job(), kWork, kState);
  const auto first = loader.load(7, kSlot);
  CHECK(first.files == 1);
  CHECK(first.files_refused == 1);
  CHECK(first.rows == 2);
  CHECK(first.rejected == 3);
  CHECK(first.refusals == "a.csv: 2 of 3 lines rejected, more than max_reject_ratio 0.5");
  CHECK(count(*f.work, "SELECT COUNT(*) FROM raw WHERE source_file = 'a.csv'") == 0);
  CHECK(count(*f.state, "SELECT COUNT(*) FROM loaded_files") == 1);
  const auto refused = f.state->query(
      "SELECT file_name, run_id, lines_loadable, lines_rejected, reason FROM rejected_files");
  REQUIRE(refused.rows.size() == 1);
  CHECK(refused.rows[0][0] == "a.csv");
  CHECK(refused.rows[0][1] == "7");
  CHECK(refused.rows[0][2] == "1");
  CHECK(refused.rows[0][3] == "2");
  // The line that is not UTF-8 is kept byte for byte.
  CHECK(f.state->query("SELECT HEX(raw) FROM load_rejects WHERE file_name = 'a.csv' AND line = 4")
            .rows.at(0)
            .at(0) == "FFFE2C312C32");

  // A later run leaves the refused file alone: no second refusal, no failure.
  const auto second = loader.load(8, kSlot);
  CHECK(second.files_refused == 0);
  CHECK(second.files_refused_before == 1);
  CHECK(second.files_seen == 1);

  // Forgotten: the next run tries it again (and, unchanged, refuses it again).
  const auto forgot =
      CsvLoader::forget(*f.state, kState, "ingest", (f.dir.path() / "in" / "a.csv").string());
  CHECK(forgot.rejected == 1);
  CHECK(forgot.loaded == 0);
  CHECK(loader.load(9, kSlot).files_refused == 1);
  // A loaded file forgotten by name after it is gone: loaded again when it comes back.
  fs::remove(f.dir.path() / "in" / "b.csv");
  CHECK(CsvLoader::forget(*f.state, kState, "ingest", (f.dir.path() / "in" / "b.csv").string())
            .loaded == 1);
  f.dir.write("in/b.csv", "code,amount\nB1,1\nB2,2\nB3\n");
  CHECK(loader.load(10, kSlot).files == 1);
  CHECK(count(*f.work, "SELECT COUNT(*) FROM raw WHERE source_file = 'b.csv'") == 4);
}

TEST_CASE("load_csv refuses a file whose every line is rejected, whatever max_reject_ratio",
          "[csv][integration]") {
  Fixture f(", settle: 0s");  // default ratio 1
  f.dir.write("in/bad.csv", "code,amount\nX\nY\n");
  f.dir.write("in/empty.csv", "code,amount\n");  // nothing to load, nothing wrong
  CsvLoader loader(*f.work, f.job(), kWork, kState);
  const auto s = loader.load(3, kSlot);
  CHECK(s.files_refused == 1);
  CHECK(s.refusals == "bad.csv: every line rejected (2)");
  CHECK(s.files == 1);
  CHECK(count(*f.state, "SELECT COUNT(*) FROM load_rejects WHERE run_id = 3") == 2);
}

TEST_CASE("load_csv waits for a file that is still changing, then archives or deletes it",
          "[csv][integration]") {
  SECTION("settle") {
    Fixture f(", settle: 1h");
    f.dir.write("in/new.csv", "code,amount\nN1,1\n");
    CsvLoader loader(*f.work, f.job(), kWork, kState);
    const auto s = loader.load(1, kSlot);
    CHECK(s.files == 0);
    CHECK(s.files_unsettled == 1);
    fs::last_write_time(f.dir.path() / "in" / "new.csv",
                        fs::file_time_type::clock::now() - std::chrono::hours(2));
    CHECK(loader.load(2, kSlot).files == 1);
  }
  SECTION("archive") {
    TempDir archive;
    Fixture f(", settle: 0s, archive: " + archive.path().string());
    f.dir.write("in/a.csv", "code,amount\nA1,1\n");
    CsvLoader loader(*f.work, f.job(), kWork, kState);
    CHECK(loader.load(1, kSlot).files == 1);
    CHECK(fs::exists(archive.path() / "a.csv"));
    CHECK_FALSE(fs::exists(f.dir.path() / "in" / "a.csv"));
  }
  SECTION("delete, and a marker file") {
    Fixture f(", settle: 0s, delete: true, marker: _SUCCESS");
    f.dir.write("in/a.csv", "code,amount\nA1,1\n");
    CsvLoader loader(*f.work, f.job(), kWork, kState);
    CHECK(loader.load(1, kSlot).files == 0);  // no marker yet
    f.dir.write("in/_SUCCESS", "");
    CHECK(loader.load(2, kSlot).files == 1);
    CHECK_FALSE(fs::exists(f.dir.path() / "in" / "a.csv"));
    CHECK_FALSE(fs::exists(f.dir.path() / "in" / "_SUCCESS"));  // the next batch needs its own
  }
}

TEST_CASE(
    "load_csv never follows a symbolic link, skips what cannot be examined, and loads the rest",
    "[csv][integration]") {
  Fixture f(", settle: 0s");
  const auto in = f.dir.path() / "in";
  // A secret the daemon may read, shaped like the table's CSV; a link to it named *.csv.
  f.dir.write("secret.txt", "code,amount\nPW,hunter2\n");
  fs::create_symlink(f.dir.path() / "secret.txt", in / "a-secret.csv");
  fs::create_symlink("loop-b.csv", in / "loop-a.csv");  // a loop
  fs::create_symlink("loop-a.csv", in / "loop-b.csv");
  fs::create_directory(in / "dir.csv");
  f.dir.write("in/good.csv", "code,amount\nG1,1\n");
  CsvLoader loader(*f.work, f.job(), kWork, kState);
  const auto s = loader.load(1, kSlot);
  CHECK(s.files == 1);
  CHECK(s.files_refused == 0);
  CHECK(count(*f.work, "SELECT COUNT(*) FROM raw") == 1);
  CHECK(count(*f.work, "SELECT COUNT(*) FROM raw WHERE code = 'G1'") == 1);
  CHECK(count(*f.state, std::string("SELECT COUNT(*) FROM ") + kState +
                            ".load_rejects WHERE raw LIKE '%hunter2%'") == 0);
}

TEST_CASE("load_csv's archive never replaces a file there, also on another file system",
          "[csv][integration]") {
  const auto loads_twice = [](const fs::path& archive) {
    Fixture f(", settle: 0s, archive: " + archive.string());
    CsvLoader loader(*f.work, f.job(), kWork, kState);
    f.dir.write("in/orders.csv", "code,amount\nD1,1\n");
    CHECK(loader.load(1, kSlot).files == 1);
    f.dir.write("in/orders.csv", "code,amount\nD2,2\n");  // the next day's, same name
    CHECK(loader.load(2, kSlot).files == 1);
    CHECK_FALSE(fs::exists(f.dir.path() / "in" / "orders.csv"));
    CHECK(sqlcron::util::read_file((archive / "orders.csv").string()) == "code,amount\nD1,1\n");
    CHECK(sqlcron::util::read_file((archive / "orders.1.csv").string()) == "code,amount\nD2,2\n");
  };
  SECTION("the same file system") {
    TempDir archive;
    loads_twice(archive.path());
  }
  SECTION("another file system (tmpfs): copied, synced, then removed") {
    struct stat tmp {};
    struct stat shm {};
    TempDir probe;
    REQUIRE(::stat(probe.path().c_str(), &tmp) == 0);
    if (::stat("/dev/shm", &shm) != 0 || shm.st_dev == tmp.st_dev) {
      WARN("no second file system at /dev/shm: the cross-device move is not exercised");
      return;
    }
    const fs::path archive = "/dev/shm/sqlcron-archive-test-" + std::to_string(::getpid());
    fs::remove_all(archive);
    fs::create_directory(archive);
    loads_twice(archive);
    fs::remove_all(archive);
  }
}
