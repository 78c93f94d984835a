// The spool's file handling without a database: line-atomic appends, results that cannot be
// kept are counted and logged, the start-up writability check.
#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "mysql/db_error.hpp"
#include "runlog/run_finisher.hpp"
#include "runlog/spool.hpp"
#include "support/log_capture.hpp"
#include "support/temp_dir.hpp"

using sqlcron::core::RunOutcome;
using sqlcron::core::RunStatus;
using sqlcron::runlog::FinishedRun;
using sqlcron::runlog::RunFinisher;
using sqlcron::runlog::Spool;

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

RunOutcome failed_outcome() {
  RunOutcome o;
  o.status = RunStatus::failed;
  o.error_code = 1213;
  o.sql_state = "40001";
  o.error_message = "Deadlock found";
  return o;
}

// Lowers this process's file size limit (RLIMIT_FSIZE) for its lifetime, with SIGXFSZ ignored,
// so that a write past the limit is cut short as on a disk that fills up mid-write.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    previous_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit lower = saved_;
    lower.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &lower);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, previous_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  void (*previous_)(int) = nullptr;
};

}  // namespace

TEST_CASE("spool: a write cut short leaves no torn line behind", "[runlog][spool]") {
  sqlcron::test::TempDir dir;
  const auto path = dir.path() / "runs.spool";
  Spool spool(path.string());
  const auto t = std::chrono::system_clock::now();
  spool.append(1, RunOutcome{}, t);
  const auto before = slurp(path);
  REQUIRE(before.size() > 10);
  {
    const FileSizeLimit limit(before.size() + 10);  // room for 10 bytes of the next line
    CHECK_THROWS_AS(spool.append(2, failed_outcome(), t), std::system_error);
  }
  CHECK(slurp(path) == before);
  CHECK(spool.records() == 1);
  spool.append(3, RunOutcome{}, t);
  CHECK(spool.records() == 2);
}

TEST_CASE("spool: a result that cannot be kept is counted and logged for a manual fix",
          "[runlog][spool]") {
  Spool spool("/dev/full");  // every write fails with ENOSPC
  const sqlcron::test::LogCapture log;
  CHECK(spool.lost() == 0);
  const auto t = std::chrono::system_clock::now();
  CHECK_FALSE(spool.keep(4711, "nightly_etl", failed_outcome(), t));
  CHECK(spool.lost() == 1);
  const auto text = log.text();
  CHECK_THAT(text, Catch::Contains("error"));
  CHECK_THAT(text, Catch::Contains("4711"));
  CHECK_THAT(text, Catch::Contains("nightly_etl"));
  CHECK_THAT(text, Catch::Contains("failed"));
  CHECK_THAT(text, Catch::Contains("1213"));
  CHECK_THAT(text, Catch::Contains("Deadlock found"));
}

TEST_CASE("run finisher: with the database and the spool gone, each result is counted as lost",
          "[runlog][spool]") {
  Spool spool("/dev/full");
  const sqlcron::test::LogCapture log;
  {
    RunFinisher finisher(
        "state",
        []() -> std::unique_ptr<sqlcron::mysql::Session> {
          throw sqlcron::mysql::DbError(2003, "HY000", "Can't connect to MySQL server");
        },
        spool);
    FinishedRun a;
    a.run_id = 101;
    a.job = "job_a";
    a.outcome.status = RunStatus::succeeded;
    a.finished_at = std::chrono::system_clock::now();
    FinishedRun b = a;
    b.run_id = 102;
    b.job = "job_b";
    b.outcome = failed_outcome();
    CHECK_FALSE(finisher.finish(a));
    CHECK_FALSE(finisher.finish(b));
  }
  CHECK(spool.lost() == 2);
  const auto text = log.text();
  CHECK(log.count("run 101 of job_a") == 1);
  CHECK(log.count("run 102 of job_b") == 1);
  CHECK_THAT(text, Catch::Contains("succeeded"));
}

TEST_CASE("spool: check_writable refuses what cannot take a record", "[runlog][spool]") {
  sqlcron::test::TempDir dir;
  Spool((dir.path() / "state" / "runs.spool").string()).check_writable();  // creates the folder
  CHECK(std::filesystem::is_directory(dir.path() / "state"));
  std::filesystem::create_directories(dir.path() / "odd" / "runs.spool");
  CHECK_THROWS_AS(Spool((dir.path() / "odd" / "runs.spool").string()).check_writable(),
                  std::system_error);
  dir.write("file", "x");
  CHECK_THROWS_AS(Spool((dir.path() / "file" / "runs.spool").string()).check_writable(),
                  std::system_error);
}
