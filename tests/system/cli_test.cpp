// The inspection and control subcommands of the built sqlcrond: status, runs, run-now.
#include <catch2/catch.hpp>
#include <thread>

#include "support/system_harness.hpp"
#include "support/test_database.hpp"

using namespace std::chrono_literals;
using sqlcron::test::ConfigSpec;
using sqlcron::test::count;
using sqlcron::test::sqlcrond;
using sqlcron::test::TempDir;

namespace {

constexpr const char* kState = "st_cli_state";
constexpr const char* kWork = "st_cli_work";
const std::string kRuns = std::string(kState) + ".runs";

std::string setup(const TempDir& dir) {
  sqlcron::test::prepare_schemas(kState, kWork);
  auto w = sqlcron::test::connect(kWork);
  w->execute_raw(
      "CREATE PROCEDURE fails() SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'bad data, \"quoted\"'");
  // A server message carrying data: a line feed, a forged journal priority, a carriage return, a
  // line separator (U+2028).
  w->execute_raw(
      "CREATE PROCEDURE hostile() BEGIN DECLARE m VARCHAR(200) DEFAULT CONCAT('dup ', CHAR(10),"
      " '<3>sqlcrond: FORGED', CHAR(13), _utf8mb4 X'E280A8', 'end');"
      " SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = m; END");
  auto config = write_config(
      dir,
      ConfigSpec{kState, kWork,
                 "  - name: nightly\n    schedule: \"0 2 * * *\"\n    timezone: Europe/Berlin\n"
                 "    call: tick\n    args: [\"{scheduled_for}\"]\n"
                 "  - name: broken\n    schedule: \"@hourly\"\n    call: fails\n"
                 "  - name: hostile\n    schedule: \"@hourly\"\n    call: hostile\n"
                 "  - name: hangs\n    schedule: \"@daily\"\n    call: busy\n"
                 "    timeout: 1s\n"
                 "  - name: off\n    schedule: \"@daily\"\n    call: tick\n"
                 "    args: [null]\n    enabled: false\n",
                 "10s", "", ""});
  REQUIRE(sqlcrond({"--config", config, "migrate"}).exit_code == 0);
  return config;
}

}  // namespace

TEST_CASE("run-now --wait runs the job once with cause manual and exits by its outcome",
          "[system][cli]") {
  TempDir dir;
  const auto config = setup(dir);
  auto db = sqlcron::test::connect();

  const auto ok = sqlcrond({"--config", config, "run-now", "nightly", "--wait"});
  INFO(ok.output);
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.output, Catch::Contains("succeeded"));
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kRuns +
                       " WHERE job = 'nightly' AND cause = 'manual' AND status = 'succeeded'") ==
        1);
  CHECK(count(*db, std::string("SELECT COUNT(*) FROM ") + kWork + ".ticks") == 1);

  const auto bad = sqlcrond({"--config", config, "run-now", "broken", "--wait"});
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.output, Catch::Contains("failed") && Catch::Contains("error 1644 (45000)"));

  // The job's timeout applies to manual runs too.
  const auto hung = sqlcrond({"--config", config, "run-now", "hangs", "--wait"});
  CHECK(hung.exit_code == 1);
  CHECK_THAT(hung.output, Catch::Contains("timed_out"));

  const auto unknown = sqlcrond({"--config", config, "run-now", "nope"});
  CHECK(unknown.exit_code == 64);
  CHECK_THAT(unknown.output, Catch::Contains("no job named 'nope'") && Catch::Contains("nightly"));
}

TEST_CASE("run-now without --wait returns once the run is claimed, the run completes",
          "[system][cli]") {
  TempDir dir;
  const auto config = setup(dir);
  const auto r = sqlcrond({"--config", config, "run-now", "nightly"});
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("of nightly started"));
  auto db = sqlcron::test::connect();
  sqlcron::test::wait_for(*db,
                          "SELECT status FROM " + kRuns +
                              " WHERE job = 'nightly' AND cause = "
                              "'manual'",
                          "succeeded", 10s);
}

TEST_CASE("status shows one line per job with last run, next fire and failures", "[system][cli]") {
  TempDir dir;
  const auto config = setup(dir);
  REQUIRE(sqlcrond({"--config", config, "run-now", "broken", "--wait"}).exit_code == 1);
  std::this_thread::sleep_for(1s);  // a second manual run needs its own second (the claim key)
  REQUIRE(sqlcrond({"--config", config, "run-now", "broken", "--wait"}).exit_code == 1);
  REQUIRE(sqlcrond({"--config", config, "run-now", "nightly", "--wait"}).exit_code == 0);
  const auto r = sqlcrond({"--config", config, "status"});
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find('\033') == std::string::npos);  // not a terminal: no colours
  std::vector<std::string> lines;
  std::istringstream in(r.output);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  REQUIRE(lines.size() == 6);
  CHECK_THAT(lines[0], Catch::StartsWith("JOB") && Catch::Contains("NEXT FIRE"));
  CHECK_THAT(lines[1], Catch::StartsWith("nightly") && Catch::Contains("Europe/Berlin") &&
                           Catch::Contains("succeeded") && Catch::Contains("T02:00:00+0"));
  CHECK_THAT(lines[2],
             Catch::StartsWith("broken") && Catch::Contains("failed") && Catch::EndsWith("  2"));
  CHECK_THAT(lines[5],
             Catch::StartsWith("off") && Catch::Contains(" no ") && Catch::EndsWith("  0"));
}

TEST_CASE("runs filters by job, status and time and prints table, json or csv", "[system][cli]") {
  TempDir dir;
  const auto config = setup(dir);
  REQUIRE(sqlcrond({"--config", config, "run-now", "broken", "--wait"}).exit_code == 1);
  REQUIRE(sqlcrond({"--config", config, "run-now", "nightly", "--wait"}).exit_code == 0);

  const auto json =
      sqlcrond({"--config", config, "runs", "--format", "json", "--status", "failed"});
  CHECK(json.exit_code == 0);
  CHECK_THAT(json.output, Catch::StartsWith("[\n  {\"run_id\": "));
  CHECK_THAT(json.output, Catch::Contains("\"job\": \"broken\"") &&
                              Catch::Contains("\"error_message\": \"bad data, \\\"quoted\\\"\"") &&
                              !Catch::Contains("nightly"));

  const auto csv = sqlcrond({"--config", config, "runs", "--format", "csv", "--job", "broken"});
  CHECK(csv.exit_code == 0);
  CHECK_THAT(csv.output, Catch::StartsWith("run_id,job,scheduled_for,"));
  CHECK_THAT(csv.output, Catch::Contains(",\"bad data, \"\"quoted\"\"\",\r\n"));

  CHECK_THAT(sqlcrond({"--config", config, "runs", "--since", "1h"}).output,
             Catch::Contains("nightly") && Catch::Contains("broken"));
  CHECK_THAT(sqlcrond({"--config", config, "runs", "--until", "2020-01-01"}).output,
             !Catch::Contains("nightly"));
  const auto bad = sqlcrond({"--config", config, "runs", "--since", "yesterday-ish"});
  CHECK(bad.exit_code == 64);
  CHECK_THAT(bad.output, Catch::Contains("is not a time"));
}

TEST_CASE("logs: journal priority prefixes under systemd, JSON lines on request", "[system][cli]") {
  TempDir dir;
  const auto config = setup(dir);
  ::setenv("JOURNAL_STREAM", "8:12345", 1);
  const auto journal = sqlcrond({"--config", config, "run-now", "broken", "--wait"});
  ::unsetenv("JOURNAL_STREAM");
  INFO(journal.output);
  CHECK_THAT(journal.output, Catch::Contains("\n<6>run ") || Catch::StartsWith("<6>run "));
  CHECK_THAT(journal.output, Catch::Contains("<4>run "));      // the failure is a warning
  CHECK(journal.output.find("Z I run") == std::string::npos);  // no timestamps
  std::this_thread::sleep_for(1s);  // a second manual run needs its own second (the claim key)
  const auto json =
      sqlcrond({"--config", config, "--log-format", "json", "run-now", "broken", "--wait"});
  INFO(json.output);
  CHECK_THAT(json.output, Catch::Contains("{\"time\":\"") &&
                              Catch::Contains("\"level\":\"warning\",\"msg\":\"run ") &&
                              Catch::Contains("bad data, \\\"quoted\\\""));
}

TEST_CASE("text from the server never breaks a log line or the CLI's lines", "[system][cli]") {
  TempDir dir;
  const auto config = setup(dir);
  ::setenv("JOURNAL_STREAM", "8:12345", 1);
  const auto r = sqlcrond({"--config", config, "run-now", "hostile", "--wait"});
  ::unsetenv("JOURNAL_STREAM");
  INFO(r.output);
  CHECK(r.exit_code == 1);
  // Every line is a journal line of ours or a line of the command's own report; the message is
  // there, escaped, and nothing of it starts a line.
  CHECK(r.output.find("\n<3>sqlcrond: FORGED") == std::string::npos);
  CHECK(r.output.find('\r') == std::string::npos);
  CHECK(r.output.find("\xe2\x80\xa8") == std::string::npos);
  CHECK_THAT(r.output, Catch::Contains("dup \\x0A<3>sqlcrond: FORGED\\x0D\\u2028end"));
}
