// Helpers for black-box tests of the built sqlcrond: configs pointing at the test database,
// running sqlcrond subcommands, and bounded waits on what the database shows.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "mysql/connection_settings.hpp"
#include "mysql/session.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace sqlcron::test {

// The `database:` section for `settings` with default schema `schema`.
std::string database_yaml(const mysql::ConnectionSettings& settings, const std::string& schema);

struct ConfigSpec {
  std::string state_schema;
  std::string work_schema;
  std::string jobs;                 // the `jobs:` list items
  std::string grace = "10s";        // scheduler.shutdown_grace
  std::string scheduler_extra;      // more `scheduler:` lines, each "  key: value\n"
  std::string database;             // a whole `database:` section; default: the test server
  std::string http_listen = "off";  // http.listen
  std::string top_extra = "";       // more top-level lines (e.g. "migrations: [...]\n")
};

// A one-shot `schedule:` line (`at ...`, UTC) firing `seconds` from now: a test that needs one
// run soon waits for it instead of for the next slot of a grid.
std::string at_in(std::chrono::seconds seconds);

// Writes `dir`/`file` and returns its path. state_dir is `dir`/state.
std::string write_config(const TempDir& dir, const ConfigSpec& spec,
                         const std::string& file = "sqlcron.yaml");

// The sqlcrond under test: $SQLCRON_TEST_SQLCROND if set, else the one built with the tests.
std::string sqlcrond_path();
// Runs `sqlcrond args...` to completion.
Completed sqlcrond(const std::vector<std::string>& args);
// Starts `sqlcrond --config config serve` with output to `log`.
std::vector<std::string> serve_argv(const std::string& config);

// Polls (every 50 ms, bounded by `limit`) until the first cell of `sql` equals `expected`;
// fails the test otherwise. Returns the time it took.
std::chrono::milliseconds wait_for(mysql::Session& db, const std::string& sql,
                                   const std::string& expected, std::chrono::seconds limit);
// Polls until `log` contains `text`.
void wait_for_log(const std::string& log, const std::string& text, std::chrono::seconds limit);

// Fresh `state` and `work` schemas; `work` gets:
//   ticks(slot, at) and tick(p_slot)  - records each call
//   locked(id) and blocked()          - waits on a row lock that hold_lock() takes
//   busy()                            - a loop that survives KILL QUERY (about 60 s)
//   flaky(p_attempt)                  - deadlock error (1213) on attempt 1, succeeds after
void prepare_schemas(const std::string& state, const std::string& work);

// A session holding the row lock on `work`.locked.id = 1 until it is destroyed.
std::unique_ptr<mysql::Session> hold_lock(const std::string& work);

std::int64_t count(mysql::Session& db, const std::string& sql);

}  // namespace sqlcron::test
