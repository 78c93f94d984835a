// Interval anchors (docs/schedules.md, "Anchors"): `@every` and `every N unit` without `starts`
// count from the job's first definition, kept in the state schema, so reloads, restarts and the
// CLI keep one grid.
#include <catch2/catch.hpp>
#include <csignal>
#include <sstream>
#include <thread>

#include "support/system_harness.hpp"
#include "support/test_database.hpp"

using namespace std::chrono_literals;
using sqlcron::test::ConfigSpec;
using sqlcron::test::count;
using sqlcron::test::Process;
using sqlcron::test::read_text;
using sqlcron::test::sqlcrond;
using sqlcron::test::TempDir;
using sqlcron::test::wait_for;
using sqlcron::test::wait_for_log;

namespace {

constexpr const char* kState = "st_anchor_state";
constexpr const char* kWork = "st_anchor_work";
const std::string kRuns = std::string(kState) + ".runs";
const std::string kJobs = std::string(kState) + ".jobs";

std::string migrate(const TempDir& dir, const std::string& jobs) {
  auto config = write_config(dir, ConfigSpec{kState, kWork, jobs, "10s", "", ""});
  const auto m = sqlcrond({"--config", config, "migrate"});
  INFO(m.output);
  REQUIRE(m.exit_code == 0);
  return config;
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

void stop(Process& serve, const std::string& log) {
  serve.signal(SIGTERM);
  const auto code = serve.wait(30s);
  INFO(read_text(log));
  REQUIRE(code == 0);
}

// The daemon's next fire of `job` as status prints it (RFC 3339 in UTC).
std::string mirrored_next_fire(sqlcron::mysql::Session& db, const std::string& job) {
  return db
      .query("SELECT DATE_FORMAT(next_fire_at, '%Y-%m-%dT%H:%i:%s+00:00') FROM " + kJobs +
                 " WHERE name = ?",
             {job})
      .rows.at(0)
      .at(0)
      .value_or("NULL");
}

std::string status_line(const std::string& config, const std::string& job) {
  const auto r = sqlcrond({"--config", config, "status"});
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(job + " ", 0) == 0) return line;
  }
  FAIL("status shows no line for " << job);
  return "";
}

}  // namespace

TEST_CASE("@every 3s keeps firing on one grid while SIGHUP comes every second", "[system][fault]") {
  sqlcron::test::prepare_schemas(kState, kWork);
  TempDir dir;
  const auto config = migrate(dir,
                              "  - name: seven\n    schedule: \"@every 3s\"\n    call: tick\n"
                              "    args: [\"{scheduled_for}\"]\n");
  const auto log = (dir.path() / "serve.log").string();
  Process serve(sqlcron::test::serve_argv(config), log);
  wait_for_log(log, "ready:", 15s);
  auto db = sqlcron::test::connect();
  // Each load used to re-anchor the job at the load, so its first slot was always 3 s away: with
  // a reload every second it never fired.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  std::size_t reloads = 0;
  while (count(*db, "SELECT COUNT(*) FROM " + kRuns + " WHERE job = 'seven'") < 3) {
    INFO(read_text(log));
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    REQUIRE_FALSE(serve.wait(0ms).has_value());
    std::this_thread::sleep_for(1s);  // the pace of the reloads, not a wait for an outcome
    serve.signal(SIGHUP);
    ++reloads;
    const auto deadline_log = std::chrono::steady_clock::now() + 10s;
    while (occurrences(read_text(log), "configuration reloaded") < reloads) {
      REQUIRE(std::chrono::steady_clock::now() < deadline_log);
      std::this_thread::sleep_for(50ms);
    }
  }
  stop(serve, log);
  INFO(read_text(log));
  CHECK(reloads >= 4);
  // One grid: every slot is a multiple of 3 s from the first, each recorded once.
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kRuns +
                       " WHERE job = 'seven' AND MOD(UNIX_TIMESTAMP(scheduled_for) - (SELECT "
                       "MIN(UNIX_TIMESTAMP(scheduled_for)) FROM " +
                       kRuns + "), 3) <> 0") == 0);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kRuns + " WHERE status <> 'succeeded'") == 0);
  CHECK(count(*db, "SELECT COUNT(DISTINCT scheduled_for) = COUNT(*) FROM " + kRuns) == 1);
  // Every slot also ran the procedure once.
  CHECK(count(*db, std::string("SELECT COUNT(*) FROM ") + kWork + ".ticks") ==
        count(*db, "SELECT COUNT(*) FROM " + kRuns));
}

TEST_CASE("status and a restarted daemon use the interval anchor of the first definition",
          "[system][fault]") {
  sqlcron::test::prepare_schemas(kState, kWork);
  TempDir dir;
  const auto config = migrate(dir,
                              "  - name: hourly\n    schedule: \"@every 1h\"\n    call: tick\n"
                              "    args: [\"{scheduled_for}\"]\n"
                              "  - name: daily\n    schedule: \"every 1 day\"\n    call: tick\n"
                              "    args: [\"{scheduled_for}\"]\n");
  const auto log = (dir.path() / "serve.log").string();
  std::string hourly;
  std::string daily;
  std::string first_instance;
  {
    Process serve(sqlcron::test::serve_argv(config), log);
    wait_for(*sqlcron::test::connect(),
             "SELECT COUNT(*) FROM " + kJobs + " WHERE next_fire_at IS NOT NULL", "2", 15s);
    auto db = sqlcron::test::connect();
    hourly = mirrored_next_fire(*db, "hourly");
    daily = mirrored_next_fire(*db, "daily");
    first_instance = db->query("SELECT updated_by FROM " + kJobs + " WHERE name = 'hourly'")
                         .rows.at(0)
                         .at(0)
                         .value_or("");
    stop(serve, log);
  }
  // The CLI and a later daemon start at least a second after the first one: counting from
  // their own start, they would see other fire times.
  wait_for(
      *sqlcron::test::connect(),
      "SELECT UTC_TIMESTAMP() >= (SELECT MAX(updated_at) FROM " + kJobs + ") + INTERVAL 2 SECOND",
      "1", 10s);
  CHECK_THAT(status_line(config, "hourly"), Catch::Contains(hourly));
  CHECK_THAT(status_line(config, "daily"), Catch::Contains(daily));

  Process again(sqlcron::test::serve_argv(config), log + ".2");
  auto db = sqlcron::test::connect();
  db->execute("SET @first_instance = ?", {first_instance});
  wait_for(*db,
           "SELECT COUNT(*) FROM " + kJobs +
               " WHERE updated_by <> @first_instance AND next_fire_at IS NOT NULL",
           "2", 15s);
  CHECK(mirrored_next_fire(*db, "hourly") == hourly);
  CHECK(mirrored_next_fire(*db, "daily") == daily);
  // The jobs table shows the anchor as the jobs' defined_at.
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kJobs + " j JOIN " + kState +
                       ".anchors a ON a.job = j.name WHERE j.defined_at = a.anchored_at") == 2);
  stop(again, log + ".2");
}
