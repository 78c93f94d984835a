// load_csv and watch: as run by the built sqlcrond (issue 16): a refused file fails its run and
// can be loaded again with `forget-file`; a file still being written is loaded once, complete;
// a load that brings nothing new skips the rest of its chain; loaded files are archived; runs a
// file started have cause `watch`; a name that does not match the pattern is logged.
#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support/system_harness.hpp"
#include "support/test_database.hpp"

using namespace std::chrono_literals;
using sqlcron::test::ConfigSpec;
using sqlcron::test::Process;
using sqlcron::test::sqlcrond;
using sqlcron::test::TempDir;

namespace fs = std::filesystem;

namespace {

constexpr const char* kState = "st_files_state";
constexpr const char* kWork = "st_files_work";

// A load of `inbox` into work.raw with `load_extra` in its load_csv map, started by `trigger`
// (default: watching the inbox), and a chain step after it that records its slot in work.ticks.
std::string jobs(const std::string& inbox, const std::string& load_extra,
                 const std::string& trigger = "") {
  const auto start = trigger.empty() ? "watch: " + inbox : trigger;
  return "  - name: ingest\n    " + start + "\n    load_csv: {dir: " + inbox +
         ", table: raw, columns: [code, amount]" + load_extra +
         "}\n"
         "  - name: after_ingest\n    after: [ingest]\n    call: tick\n"
         "    args: [\"{scheduled_for}\"]\n";
}

// Schemas, the raw table, the config and the migrations; returns the config file.
std::string setup(const TempDir& dir, const std::string& load_extra,
                  const std::string& trigger = "") {
  sqlcron::test::prepare_schemas(kState, kWork);
  auto db = sqlcron::test::connect();
  db->execute_raw(std::string("CREATE TABLE ") + kWork +
                  ".raw (id INT AUTO_INCREMENT PRIMARY KEY, code VARCHAR(5), amount VARCHAR(20),"
                  " source_file VARCHAR(255) NOT NULL, source_line INT NOT NULL,"
                  " ingested_at DATETIME(6) NOT NULL, ingest_run_id BIGINT NOT NULL,"
                  " ingest_slot DATETIME NOT NULL)");
  const auto inbox = (dir.path() / "inbox").string();
  fs::create_directories(inbox);
  auto config =
      write_config(dir, ConfigSpec{kState, kWork, jobs(inbox, load_extra, trigger), "10s", "", ""});
  const auto migrated = sqlcrond({"--config", config, "migrate"});
  INFO(migrated.output);
  REQUIRE(migrated.exit_code == 0);
  return config;
}

// Writes a file the way writers should: under a dot-name, then renamed into place.
void drop(const fs::path& inbox, const std::string& name, const std::string& content) {
  const auto tmp = inbox / ("." + name);
  std::ofstream(tmp, std::ios::binary) << content;
  fs::rename(tmp, inbox / name);
}

void stop(Process& serve, const std::string& log) {
  serve.signal(SIGTERM);
  const auto code = serve.wait(20s);
  INFO(sqlcron::test::read_text(log));
  REQUIRE(code.has_value());
  CHECK(*code == 0);
}

}  // namespace

TEST_CASE(
    "a file whose every line is rejected fails its load, is not marked loaded, and forget-file "
    "lets the operator load a file again",
    "[system][pipeline][files]") {
  TempDir dir;
  const auto config = setup(dir, ", settle: 1s");
  const auto inbox = dir.path() / "inbox";
  const auto log = (dir.path() / "serve.log").string();
  Process serve(sqlcron::test::serve_argv(config), log);
  auto db = sqlcron::test::connect();
  const std::string state = kState;
  const std::string work = kWork;
  const auto n = [&](const std::string& sql) { return sqlcron::test::count(*db, sql); };

  // customers.csv in the orders inbox: the header names other columns.
  drop(inbox, "customers.csv", "customer_id,name\n1,Ann\n2,Bob\n");
  INFO(sqlcron::test::read_text(log));
  sqlcron::test::wait_for(*db, "SELECT COUNT(*) FROM " + state + ".runs WHERE job = 'after_ingest'",
                          "1", 30s);
  const auto failed =
      db->query("SELECT status, cause, error_message FROM " + state + ".runs WHERE job = 'ingest'");
  REQUIRE(failed.rows.size() == 1);
  CHECK(failed.rows[0][0] == "failed");
  CHECK(failed.rows[0][1] == "watch");
  CHECK_THAT(*failed.rows[0][2], Catch::Contains("1 file(s) refused: customers.csv: the header "
                                                 "does not name the configured columns"));
  CHECK(n("SELECT COUNT(*) FROM " + state +
          ".runs WHERE job = 'after_ingest' AND status = "
          "'skipped'") == 1);
  CHECK(n("SELECT COUNT(*) FROM " + state + ".loaded_files") == 0);
  CHECK(n("SELECT COUNT(*) FROM " + state + ".rejected_files WHERE file_name = 'customers.csv'") ==
        1);
  CHECK(n("SELECT COUNT(*) FROM " + state + ".load_rejects WHERE file_name = 'customers.csv'") ==
        1);

  // A good file next: its run loads it and leaves the refused one alone (no second failure).
  drop(inbox, "orders.csv", "code,amount\nA1,10\nA2,20\n");
  sqlcron::test::wait_for(
      *db,
      "SELECT COUNT(*) FROM " + state + ".runs WHERE job = 'after_ingest' AND status = 'succeeded'",
      "1", 30s);
  CHECK(n("SELECT COUNT(*) FROM " + state + ".runs WHERE job = 'ingest' AND status = 'failed'") ==
        1);
  CHECK(n("SELECT COUNT(*) FROM " + work + ".raw") == 2);

  // A name the pattern does not match is logged, and starts nothing.
  drop(inbox, "notes.txt", "hello\n");
  sqlcron::test::wait_for_log(
      log, "notes.txt arrived in " + inbox.string() + " but does not match pattern '*.csv'", 20s);

  // forget-file: exit 0 and the next run loads the file again.
  const auto forgot =
      sqlcrond({"--config", config, "forget-file", (inbox / "orders.csv").string()});
  INFO(forgot.output);
  CHECK(forgot.exit_code == 0);
  CHECK_THAT(forgot.output, Catch::Contains("job ingest: forgot"));
  CHECK(n("SELECT COUNT(*) FROM " + state + ".loaded_files") == 0);
  const auto again = sqlcrond({"--config", config, "forget-file", (inbox / "orders.csv").string()});
  CHECK(again.exit_code == 1);  // nothing recorded any more
  const auto elsewhere = sqlcrond({"--config", config, "forget-file", "/nonexistent/x.csv"});
  CHECK(elsewhere.exit_code == 64);  // no load_csv job loads from there
  CHECK(
      sqlcrond({"--config", config, "forget-file", (inbox / "customers.csv").string()}).exit_code ==
      0);
  drop(inbox, "trigger.csv", "code,amount\nT1,1\n");
  // That run loads orders.csv again and trigger.csv, and refuses customers.csv again (its header
  // is still wrong): it fails.
  sqlcron::test::wait_for(
      *db, "SELECT COUNT(*) FROM " + state + ".runs WHERE job = 'ingest' AND status = 'failed'",
      "2", 30s);
  CHECK(n("SELECT COUNT(*) FROM " + work + ".raw") == 5);
  CHECK(n("SELECT COUNT(*) FROM " + work + ".raw WHERE code = 'A1'") == 2);
  stop(serve, log);
}

TEST_CASE("a file still being written when first closed is loaded once, with all its rows",
          "[system][pipeline][files]") {
  TempDir dir;
  const auto config = setup(dir, "");  // the default settle time
  const auto inbox = dir.path() / "inbox";
  const auto log = (dir.path() / "serve.log").string();
  Process serve(sqlcron::test::serve_argv(config), log);
  sqlcron::test::wait_for_log(log, "ready: ", 20s);  // after the watch is set up
  auto db = sqlcron::test::connect();
  const std::string state = kState;
  const std::string work = kWork;

  // A header and a row, closed; one more row appended 2 s later.
  std::ofstream(inbox / "growing.csv", std::ios::binary) << "code,amount\nG1,1\n";
  std::this_thread::sleep_for(2s);
  std::ofstream(inbox / "growing.csv", std::ios::binary | std::ios::app) << "G2,2\n";
  INFO(sqlcron::test::read_text(log));
  sqlcron::test::wait_for(
      *db,
      "SELECT COUNT(*) FROM " + state + ".runs WHERE job = 'after_ingest' AND status = 'succeeded'",
      "1", 30s);
  const auto n = [&](const std::string& sql) { return sqlcron::test::count(*db, sql); };
  CHECK(n("SELECT COUNT(*) FROM " + work + ".raw") == 2);
  CHECK(n("SELECT COUNT(DISTINCT ingest_run_id) FROM " + work + ".raw") == 1);
  CHECK(n("SELECT COUNT(*) FROM " + state + ".loaded_files") == 1);
  CHECK(n("SELECT COUNT(*) FROM " + state + ".runs WHERE job = 'ingest'") == 1);
  stop(serve, log);
}

TEST_CASE(
    "a file its load left because it changed less than settle ago (a writer's clock a little "
    "ahead) is looked at again and loaded without another arrival",
    "[system][pipeline][files]") {
  TempDir dir;
  const auto config = setup(dir, ", settle: 2s");
  const auto inbox = dir.path() / "inbox";
  const auto log = (dir.path() / "serve.log").string();
  Process serve(sqlcron::test::serve_argv(config), log);
  sqlcron::test::wait_for_log(log, "ready: ", 20s);  // after the watch is set up
  auto db = sqlcron::test::connect();
  const std::string state = kState;
  const std::string work = kWork;

  // Written by a host whose clock is 1.5 s ahead: when the watcher reports it (settle after the
  // rename), its time says it changed 0.5 s ago, so the load leaves it as still changing.
  const auto tmp = inbox / ".skewed.csv";
  std::ofstream(tmp, std::ios::binary) << "code,amount\nS1,1\n";
  fs::last_write_time(tmp, fs::file_time_type::clock::now() + 1500ms);
  fs::rename(tmp, inbox / "skewed.csv");
  INFO(sqlcron::test::read_text(log));
  sqlcron::test::wait_for(*db, "SELECT COUNT(*) FROM " + work + ".raw", "1", 20s);
  const auto n = [&](const std::string& sql) { return sqlcron::test::count(*db, sql); };
  CHECK(n("SELECT COUNT(*) FROM " + state + ".loaded_files") == 1);
  // The first run found it still changing (nothing new: the step below skipped), the second
  // loaded it.
  sqlcron::test::wait_for(
      *db,
      "SELECT COUNT(*) FROM " + state + ".runs WHERE job = 'after_ingest' AND status = 'succeeded'",
      "1", 20s);
  CHECK(n("SELECT COUNT(*) FROM " + state + ".runs WHERE job = 'ingest'") == 2);
  CHECK_THAT(sqlcron::test::read_text(log), Catch::Contains("skewed.csv changed less than"));
  stop(serve, log);
}

TEST_CASE("a load that brings nothing new skips the rest of its chain, loaded files are archived",
          "[system][pipeline][files]") {
  TempDir dir;
  fs::create_directories(dir.path() / "done");
  const auto config = setup(dir, ", settle: 1s, archive: " + (dir.path() / "done").string());
  const auto inbox = dir.path() / "inbox";
  const auto log = (dir.path() / "serve.log").string();
  Process serve(sqlcron::test::serve_argv(config), log);
  auto db = sqlcron::test::connect();
  const std::string state = kState;
  const auto n = [&](const std::string& sql) { return sqlcron::test::count(*db, sql); };

  drop(inbox, "a.csv", "code,amount\nA1,10\n");
  INFO(sqlcron::test::read_text(log));
  sqlcron::test::wait_for(
      *db,
      "SELECT COUNT(*) FROM " + state + ".runs WHERE job = 'after_ingest' AND status = 'succeeded'",
      "1", 30s);
  CHECK(fs::exists(dir.path() / "done" / "a.csv"));
  CHECK_FALSE(fs::exists(inbox / "a.csv"));

  // The same content again: the load succeeds with nothing new, the chain step is skipped.
  drop(inbox, "a-again.csv", "code,amount\nA1,10\n");
  sqlcron::test::wait_for(
      *db,
      "SELECT COUNT(*) FROM " + state + ".runs WHERE job = 'after_ingest' AND status = 'skipped'",
      "1", 30s);
  const auto skipped = db->query("SELECT error_message FROM " + state +
                                 ".runs WHERE job = 'after_ingest' AND status = 'skipped'");
  CHECK(skipped.rows.at(0).at(0) == "no new data");
  CHECK(n("SELECT COUNT(*) FROM " + state +
          ".runs WHERE job = 'ingest' AND status = 'succeeded'") == 2);
  CHECK(n("SELECT COUNT(*) FROM " + state + ".runs WHERE job = 'after_ingest'") == 2);
  CHECK(fs::exists(dir.path() / "done" / "a-again.csv"));  // loaded before: archived as well
  stop(serve, log);
}

TEST_CASE("backfill --chain skips the steps below a load that brought nothing new, as the daemon",
          "[system][pipeline][files][recover]") {
  TempDir dir;
  const auto config = setup(dir, ", settle: 0s", "schedule: \"0 * * * *\"");
  drop(dir.path() / "inbox", "a.csv", "code,amount\nA1,10\n");
  auto db = sqlcron::test::connect();
  const std::string runs = std::string(kState) + ".runs";
  const auto n = [&](const std::string& sql) { return sqlcron::test::count(*db, sql); };

  // Three hourly slots: the first loads a.csv and runs the step below; the next two find nothing
  // new, so the step is recorded skipped with the daemon's reason. Not a failure: exit 0.
  const auto r = sqlcrond({"--config", config, "backfill", "ingest", "--from",
                           "2026-01-01 00:00:00", "--to", "2026-01-01 02:00:00", "--chain"});
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("2 skipped: no new data"));
  CHECK(n("SELECT COUNT(*) FROM " + runs + " WHERE job = 'ingest' AND status = 'succeeded'") == 3);
  CHECK(n("SELECT COUNT(*) FROM " + runs +
          " WHERE job = 'after_ingest' AND status = 'succeeded'"
          " AND scheduled_for = '2026-01-01 00:00:00'") == 1);
  CHECK(n("SELECT COUNT(*) FROM " + runs +
          " WHERE job = 'after_ingest' AND status = 'skipped' AND error_message = 'no new data'") ==
        2);
  CHECK(n("SELECT COUNT(*) FROM " + std::string(kWork) + ".raw") == 1);

  // --force re-runs the steps below for those slots (the operator asked for them).
  const auto forced =
      sqlcrond({"--config", config, "backfill", "ingest", "--from", "2026-01-01 01:00:00", "--to",
                "2026-01-01 01:00:00", "--chain", "--force"});
  INFO(forced.output);
  CHECK(forced.exit_code == 0);
  CHECK(n("SELECT COUNT(*) FROM " + runs +
          " WHERE job = 'after_ingest' AND status = 'succeeded'"
          " AND scheduled_for = '2026-01-01 01:00:00'") == 1);
}

TEST_CASE("forget-file of a file that is gone forgets one record, never every day's",
          "[system][pipeline][files]") {
  TempDir dir;
  const auto config = setup(dir, ", settle: 0s", "schedule: \"0 * * * *\"");
  const auto inbox = dir.path() / "inbox";
  auto db = sqlcron::test::connect();
  const auto n = [&](const std::string& sql) { return sqlcron::test::count(*db, sql); };
  const auto load = [&](const std::string& hour) {
    return sqlcrond({"--config", config, "backfill", "ingest", "--from", "2026-01-01 " + hour,
                     "--to", "2026-01-01 " + hour});
  };
  // A daily orders.csv: two contents under one name, then the file is gone.
  drop(inbox, "orders.csv", "code,amount\nD1,1\n");
  REQUIRE(load("00:00:00").exit_code == 0);
  fs::remove(inbox / "orders.csv");
  drop(inbox, "orders.csv", "code,amount\nD2,2\n");
  REQUIRE(load("01:00:00").exit_code == 0);
  fs::remove(inbox / "orders.csv");
  const auto loaded = "SELECT COUNT(*) FROM " + std::string(kState) + ".loaded_files";
  REQUIRE(n(loaded) == 2);

  auto r = sqlcrond({"--config", config, "forget-file", (inbox / "orders.csv").string()});
  INFO(r.output);
  CHECK(r.exit_code == 64);
  CHECK_THAT(r.output, Catch::Contains("2 records of different contents named orders.csv"));
  CHECK(n(loaded) == 2);
  // With the file back at its path, exactly its content is forgotten.
  drop(inbox, "orders.csv", "code,amount\nD1,1\n");
  r = sqlcrond({"--config", config, "forget-file", (inbox / "orders.csv").string()});
  CHECK(r.exit_code == 0);
  CHECK(n(loaded) == 1);
  // An empty path (an unset shell variable) is a usage error, not an internal one.
  r = sqlcrond({"--config", config, "forget-file", ""});
  CHECK(r.exit_code == 64);
  CHECK_THAT(r.output, Catch::Contains("the path is empty"));
}
