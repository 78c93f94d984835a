// The validated configuration: plain typed values. Only ConfigLoader makes one; the rest of the
// program can rely on every field being valid (identifiers checked, schedules parsed, zones found).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/arg_template.hpp"
#include "config/policies.hpp"
#include "schedule/schedule.hpp"

namespace sqlcron::config {

struct SourceLocation {
  std::shared_ptr<const std::string> file;  // shared by the jobs of one file
  int line = 0;                             // 1-based
  int item = 0;                             // its index in the file's jobs: key "jobs[<item>]"
  int column = 1;
  int after_line = 0;
  int on_failure_line = 0;  // 0: the job has no on_failure of its own
  int notify_line = 0;      // 0: the job has no notify of its own (`notify: ~` is one: none)
};

struct DatabaseConfig {
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string socket;
  std::string user = "sqlcron";
  std::string password_file;  // as written in the config (resolved against the config's folder)
  std::string password;       // resolved: file contents or SQLCRON_DB_PASSWORD; never logged
  std::string schema;         // default schema for jobs
  int pool_size = 8;
  std::string option_file;  // my.cnf-style [client] defaults
  // disabled | preferred | required | verify_ca | verify_identity; files are PEM paths.
  std::string tls_mode = "preferred";
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
};

// `notify:` - a program run (no shell) when the job finally fails.
struct NotifyConfig {
  std::vector<ArgTemplate> command;  // argv; placeholders substituted as text
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
};

struct SchedulerConfig {
  std::string state_schema = "sqlcron";
  std::string timezone = "UTC";
  const date::time_zone* zone = nullptr;
  int max_concurrent_runs = 8;
  std::chrono::milliseconds shutdown_grace{std::chrono::seconds(60)};
  Misfire misfire = Misfire::run_once;
  std::chrono::milliseconds misfire_grace{std::chrono::hours(1)};
  std::optional<std::chrono::milliseconds> timeout;  // default for jobs without one
  RetryPolicy retry;                                 // default for jobs without one
  std::string state_dir = "/var/lib/sqlcron";        // the spool of unwritten run records
  std::chrono::milliseconds run_log_retention{std::chrono::hours(24 * 90)};
  // Heartbeat, read-only and orphan checks; must stay well under the 60 s orphan expiry.
  std::chrono::milliseconds heartbeat_interval{std::chrono::seconds(10)};
  // Every run on a clean session (a new connection after each run); false reuses connections
  // as they are - faster in bursts, but one job's session state reaches the next.
  bool session_reset = true;
  // Failure hooks and notify command of every job that has none of its own (and is not a hook,
  // nor a chain step whose root has its own): see failure_defaults.hpp.
  std::vector<std::string> on_failure{};
  int on_failure_line = 0;  // where scheduler.on_failure is written (0: not written)
  std::shared_ptr<const NotifyConfig> notify{};
};

// `load_csv:` - the job loads the new CSV files of a directory into a table (docs/pipelines.md).
struct LoadCsvConfig {
  std::string dir;  // absolute
  std::string pattern = "*.csv";
  std::string table_schema;  // empty: database.schema
  std::string table;
  std::vector<std::string> columns;  // the file's fields, in order, as column names
  bool header = true;                // the first line names the columns (checked)
  char delimiter = ',';
  // A file fails (is not loaded, the run fails) when more than this share of its lines is
  // rejected, or every line is.
  double max_reject_ratio = 1.0;
  // A file is complete once unchanged (size and modification time) for this long.
  std::chrono::milliseconds settle{std::chrono::seconds(5)};
  std::string marker;   // non-empty: files are loaded only while this file is in dir
  std::string archive;  // absolute; non-empty: loaded files are moved there
  bool remove = false;  // `delete: true`: loaded files are deleted
};

struct JobConfig {
  std::string name;
  std::string timezone;
  // No schedule: the job runs after its upstream jobs (`after`), when a file arrives (`watch`),
  // as a failure hook, or by hand.
  std::optional<schedule::Schedule> schedule;
  // Exactly one of: a procedure (call_schema may be empty = database.schema), a statement, or a
  // CSV load.
  std::string call_schema{};
  std::string call_procedure{};
  std::string sql{};
  std::shared_ptr<const LoadCsvConfig> load_csv{};  // rare: out of line (100k-job configs)
  std::vector<std::string> after{};                 // upstream jobs (a chain)
  std::vector<std::string> on_failure{};            // jobs fired when this one finally fails
  std::shared_ptr<const NotifyConfig> notify{};
  std::string watch{};  // a directory whose new files start the job (absolute)
  std::vector<ArgTemplate> args{};
  std::optional<std::chrono::milliseconds> timeout{};
  RetryPolicy retry{};
  Overlap overlap = Overlap::skip;
  int max_instances = 1;  // concurrent runs with overlap: allow
  Misfire misfire = Misfire::run_once;
  std::chrono::milliseconds misfire_grace{std::chrono::hours(1)};
  bool enabled = true;
  bool chain_root = false;  // another job runs after it: its runs are their own chain
  SourceLocation source{};

  [[nodiscard]] bool is_call() const { return !call_procedure.empty(); }
  // The schedule as written; "" for a job without one.
  [[nodiscard]] const std::string& schedule_text() const;
  [[nodiscard]] bool uses_last_success() const {
    for (const auto& a : args) {
      if (a.uses_last_success()) return true;
    }
    return false;
  }
  // "schema.procedure", "sql" or "load_csv:table" - for logs and the jobs table.
  [[nodiscard]] std::string target() const;
  // The schedule as shown to people: the expression, or what starts the job instead.
  [[nodiscard]] std::string trigger() const;
};

struct HttpConfig {
  bool enabled = true;  // `listen: off` disables the endpoint
  std::string address = "127.0.0.1";
  unsigned short port = 9464;
};

struct Config {
  std::string file;  // absolute path of the main config file
  DatabaseConfig database;
  SchedulerConfig scheduler;
  HttpConfig http;
  std::vector<std::string> migrations;  // absolute directories, in the order given
  std::vector<JobConfig> jobs;
};

}  // namespace sqlcron::config
