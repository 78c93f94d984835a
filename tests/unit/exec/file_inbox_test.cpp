#include "exec/file_inbox.hpp"

#include <catch2/catch.hpp>
#include <fstream>

#include "support/temp_dir.hpp"

using sqlcron::exec::FileInbox;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// Writes `name` in `dir` and stamps it with `changed` as its modification time.
fs::path write_stamped(const fs::path& dir, const std::string& name,
                       std::chrono::system_clock::time_point changed) {
  auto path = dir / name;
  std::ofstream(path) << "a,b\n1,2\n";
  fs::last_write_time(path, fs::file_time_type::clock::from_sys(changed));
  return path;
}

}  // namespace

TEST_CASE("the inbox waits for a file to settle, judged by its modification time", "[csv]") {
  sqlcron::test::TempDir dir;
  sqlcron::config::LoadCsvConfig csv;
  csv.dir = dir.path().string();
  csv.settle = 5s;
  const auto now = std::chrono::system_clock::now();
  write_stamped(dir.path(), "old.csv", now - 10s);
  write_stamped(dir.path(), "fresh.csv", now - 2s);
  FileInbox inbox(csv, "ingest");
  const auto files = inbox.ready_files(now);
  REQUIRE(files.size() == 1);
  CHECK(fs::path(files[0]).filename() == "old.csv");
  CHECK(inbox.unsettled() == 1);
}

TEST_CASE("a file stamped ahead of the clock is not left waiting for the clock to catch up",
          "[csv]") {
  // Clock skew on a share, `rsync -t` from a host whose clock runs fast: by its time the file
  // would look "just changed" for as long as the skew (a 2030 stamp: years), and nothing would
  // look again.
  sqlcron::test::TempDir dir;
  sqlcron::config::LoadCsvConfig csv;
  csv.dir = dir.path().string();
  csv.settle = 2s;
  const auto now = std::chrono::system_clock::now();
  const auto skew = GENERATE(10s, std::chrono::seconds(std::chrono::hours(24 * 365 * 5)));
  write_stamped(dir.path(), "skewed.csv", now + skew);
  FileInbox inbox(csv, "ingest");
  const auto files = inbox.ready_files(now);
  REQUIRE(files.size() == 1);
  CHECK(fs::path(files[0]).filename() == "skewed.csv");
  CHECK(inbox.unsettled() == 0);
}

TEST_CASE("the marker stays for a file of its batch still settling and for a newer marker",
          "[csv]") {
  sqlcron::test::TempDir dir;
  sqlcron::config::LoadCsvConfig csv;
  csv.dir = dir.path().string();
  csv.settle = 5s;
  csv.marker = "_SUCCESS";
  const auto now = std::chrono::system_clock::now();
  SECTION("a file of its batch still settling") {
    write_stamped(dir.path(), "a.csv", now - 10s);
    write_stamped(dir.path(), "b.csv", now - 3s);
    write_stamped(dir.path(), "_SUCCESS", now - 2s);
    FileInbox inbox(csv, "ingest");
    CHECK(inbox.ready_files(now).size() == 1);
    inbox.marker_done();
    CHECK(fs::exists(dir.path() / "_SUCCESS"));
  }
  SECTION("a new marker written during the load") {
    write_stamped(dir.path(), "a.csv", now - 10s);
    write_stamped(dir.path(), "_SUCCESS", now - 9s);
    FileInbox inbox(csv, "ingest");
    CHECK(inbox.ready_files(now).size() == 1);
    fs::remove(dir.path() / "_SUCCESS");  // the producer's next batch: a new marker
    write_stamped(dir.path(), "next.csv", now - 1s);
    write_stamped(dir.path(), "_SUCCESS", now - 1s);
    inbox.marker_done();
    CHECK(fs::exists(dir.path() / "_SUCCESS"));
  }
  SECTION("its whole batch loaded: removed") {
    write_stamped(dir.path(), "a.csv", now - 10s);
    write_stamped(dir.path(), "_SUCCESS", now - 9s);
    FileInbox inbox(csv, "ingest");
    CHECK(inbox.ready_files(now).size() == 1);
    inbox.marker_done();
    CHECK_FALSE(fs::exists(dir.path() / "_SUCCESS"));
  }
}
