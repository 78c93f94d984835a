// Every key of the config, declared once per section: its name, type, default and meaning.
//
// The loader refuses a key that is not in its section's table (the "expected one of" list of that
// message is the table, in order); `sqlcrond check-config --keys` prints the tables; a unit test
// (tests/unit/config/config_keys_test.cpp) holds config/sqlcron.yaml, docs/configuration.md and
// the loader's defaults to them. A default is written as the config would spell it; "required"
// and "-" (none) are not values.
#pragma once

#include <span>
#include <string_view>

namespace sqlcron::config {

struct ConfigKey {
  std::string_view name;
  std::string_view type;
  std::string_view default_value;
  std::string_view description;
};

struct ConfigSection {
  std::string_view path;  // "database", "jobs[].retry"; "" for the top level of the main file
  std::span<const ConfigKey> keys;
};

inline constexpr ConfigKey kTopLevelKeys[] = {
    {"database", "map", "required", "the server, account and default schema of jobs"},
    {"scheduler", "map", "-", "how jobs are run and recorded"},
    {"http", "map", "-", "the /metrics and /healthz endpoint"},
    {"migrations", "list of directories", "-", "workload SQL applied by `sqlcrond migrate`"},
    {"include", "directory", "jobs.d", "every *.yaml file in it adds jobs (a `jobs:` list)"},
    {"jobs", "list of jobs", "-", "the jobs"},
};

// A file of the include directory.
inline constexpr ConfigKey kIncludeFileKeys[] = {
    {"jobs", "list of jobs", "-", "the jobs"},
};

inline constexpr ConfigKey kDatabaseKeys[] = {
    {"host", "string", "127.0.0.1", "server host (ignored when socket is set)"},
    {"port", "integer 1-65535", "3306", "server port"},
    {"socket", "path", "-", "Unix socket path"},
    {"user", "string", "sqlcron", "account"},
    {"password_file", "path", "-",
     "file holding the password (first line); refused unless private (chmod 600)"},
    {"option_file", "path", "-",
     "my.cnf-style file: its [client] host, port, socket, user, password are defaults; private"},
    {"schema", "identifier", "required", "default schema of jobs and of workload migrations"},
    {"pool_size", "integer 1-1024", "8", "connections for running jobs"},
    {"tls", "map", "{mode: preferred}", "TLS to the server: mode, ca, cert, key"},
};

inline constexpr ConfigKey kTlsKeys[] = {
    {"mode", "disabled|preferred|required|verify_ca|verify_identity", "preferred",
     "whether TLS is used and what is verified"},
    {"ca", "path", "-", "CA certificate (PEM); required with verify_ca and verify_identity"},
    {"cert", "path", "-", "client certificate (PEM), with key"},
    {"key", "path", "-", "client private key (PEM), with cert"},
};

inline constexpr ConfigKey kSchedulerKeys[] = {
    {"state_schema", "identifier", "sqlcron",
     "schema of runs, jobs, instances, anchors, schema_migrations"},
    {"timezone", "IANA zone", "UTC", "default zone of schedules"},
    {"max_concurrent_runs", "integer 1-4096", "8",
     "worker threads; waiting runs start in scheduled order"},
    {"shutdown_grace", "duration", "60s",
     "SIGTERM: how long running jobs may finish before they are killed"},
    {"misfire", "skip|run_once|run_all", "run_once", "default misfire policy of jobs"},
    {"misfire_grace", "duration", "1h",
     "default: only missed slots at most this old are caught up"},
    {"timeout", "duration", "-", "default timeout of jobs (none: no timeout)"},
    {"retry", "map", "{attempts: 1, backoff: 30s, max_backoff: 10m, on: [transient]}",
     "default retry policy of jobs"},
    {"state_dir", "directory", "/var/lib/sqlcron",
     "holds runs.spool (results written while the database was away) and the lock"},
    {"heartbeat_interval", "duration 100ms-30s", "10s",
     "heartbeat, read-only and dead-instance checks"},
    {"run_log_retention", "duration", "90d", "finished runs older than this are deleted"},
    {"session_reset", "boolean", "true",
     "every run on a clean session (a new connection after each run)"},
    {"on_failure", "list of job names", "[]",
     "failure hooks of every job without its own (chain steps: their root's first)"},
    {"notify", "map", "-", "notify command of every job without its own: command, timeout"},
};

inline constexpr ConfigKey kRetryKeys[] = {
    {"attempts", "integer 1-100", "1", "total attempts including the first; 1 = no retry"},
    {"backoff", "duration", "30s", "wait before the second attempt, doubled for each next one"},
    {"max_backoff", "duration", "10m", "the longest wait (not shorter than backoff)"},
    {"on", "list: transient, timeout, \"SQLSTATE\", error number", "[transient]",
     "which failures are retried: classes, quoted SQLSTATEs (\"45000\"), MySQL error numbers"},
};

inline constexpr ConfigKey kHttpKeys[] = {
    {"listen", "IP:PORT or off", "127.0.0.1:9464",
     "where /metrics and /healthz are served (port 0: any free port)"},
};

inline constexpr ConfigKey kJobKeys[] = {
    {"name", "string", "required", "letters, digits, _ - . ; unique across all files"},
    {"schedule", "schedule", "required unless after, watch or hook", "see docs/schedules.md"},
    {"timezone", "IANA zone", "scheduler.timezone", "zone the schedule is evaluated in"},
    {"call", "[schema.]procedure", "-",
     "the procedure called (exactly one of call, sql, load_csv)"},
    {"sql", "string", "-", "one statement instead of call; args bind its ? markers"},
    {"load_csv", "map", "-", "instead of call/sql: load new CSV files into a table"},
    {"args", "list", "[]", "values bound as parameters: numbers, strings, null, placeholders"},
    {"timeout", "duration", "scheduler.timeout", "KILL CONNECTION when exceeded"},
    {"retry", "map", "scheduler.retry",
     "{attempts, backoff, max_backoff, on}: which failures are retried"},
    {"overlap", "skip|queue|allow", "skip", "while a run is in progress"},
    {"max_instances", "integer 1-1000", "1", "concurrent runs with overlap: allow"},
    {"misfire", "skip|run_once|run_all", "scheduler.misfire", "which missed slots are caught up"},
    {"misfire_grace", "duration", "scheduler.misfire_grace",
     "how old a missed slot may be to be caught up"},
    {"enabled", "boolean", "true", "a disabled job is loaded and mirrored but never fires"},
    {"after", "list of job names", "[]", "chain: run when all these succeeded for the same slot"},
    {"on_failure", "list of job names", "scheduler.on_failure",
     "jobs fired when this job's final attempt fails ([]: none)"},
    {"notify", "map", "scheduler.notify",
     "a program run (no shell) on final failure: command, timeout (~: none)"},
    {"watch", "directory", "-", "each new file in it starts the job"},
};

inline constexpr ConfigKey kNotifyKeys[] = {
    {"command", "list", "required", "the program (an absolute path) and its arguments"},
    {"timeout", "duration 1ms-1h", "30s", "the program is killed after this"},
};

inline constexpr ConfigKey kLoadCsvKeys[] = {
    {"dir", "directory", "required", "the directory of the CSV files"},
    {"pattern", "file name pattern", "*.csv", "which files are loaded (no directories)"},
    {"table", "[schema.]table", "required", "the table the rows go to"},
    {"columns", "list of column names", "required", "the table columns of the file's fields"},
    {"header", "boolean", "true", "the first line names the columns (checked)"},
    {"delimiter", "one character", ",", "the field separator"},
    {"max_reject_ratio", "number 0-1", "1",
     "a file with more rejected lines than this share (or with every line rejected) fails the run "
     "and is not loaded"},
    {"settle", "duration", "5s",
     "a file is loaded once it has not changed for this long (0s: as soon as it is closed)"},
    {"marker", "file name", "-",
     "load only once this file (e.g. _SUCCESS) is in the directory; removed after the load"},
    {"archive", "directory", "-", "where loaded files are moved (they stay in dir without it)"},
    {"delete", "boolean", "false", "delete each file once loaded (instead of archive)"},
};

inline constexpr ConfigSection kConfigSections[] = {
    {"", kTopLevelKeys},
    {"database", kDatabaseKeys},
    {"database.tls", kTlsKeys},
    {"scheduler", kSchedulerKeys},
    {"scheduler.retry", kRetryKeys},
    {"scheduler.notify", kNotifyKeys},
    {"http", kHttpKeys},
    {"jobs[]", kJobKeys},
    {"jobs[].retry", kRetryKeys},
    {"jobs[].notify", kNotifyKeys},
    {"jobs[].load_csv", kLoadCsvKeys},
    {"include file", kIncludeFileKeys},
};

}  // namespace sqlcron::config
