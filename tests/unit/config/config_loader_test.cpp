#include "config/config_loader.hpp"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "config/config_error.hpp"
#include "support/temp_dir.hpp"

using sqlcron::config::ConfigError;
using sqlcron::config::ConfigLoader;
using sqlcron::config::LoadOptions;
using sqlcron::test::TempDir;

namespace {

const char* const kHeader =
    "database:\n"
    "  host: 127.0.0.1\n"
    "  user: sqlcron\n"
    "  schema: Chinook\n"
    "jobs:\n";

LoadOptions options() {
  LoadOptions o;
  o.defined_at = date::sys_days{date::year{2026} / 1 / 1};
  return o;
}

// Loads `yaml`, expects it to fail, returns the first issue.
sqlcron::config::ConfigIssue first_issue(const std::string& yaml) {
  TempDir dir;
  const auto file = dir.write("sqlcron.yaml", yaml);
  try {
    ConfigLoader::load(file, options());
  } catch (const ConfigError& e) {
    REQUIRE(!e.issues().empty());
    CHECK(e.issues().front().file == file);
    return e.issues().front();
  }
  FAIL("the config was accepted: " << yaml);
  return {};
}

}  // namespace

TEST_CASE("a valid config loads into typed values", "[config]") {
  TempDir dir;
  const auto file = dir.write("sqlcron.yaml", std::string(kHeader) +
                                                  "  - name: customer_summary\n"
                                                  "    schedule: \"0 2 * * *\"\n"
                                                  "    timezone: Europe/Berlin\n"
                                                  "    call: Chinook.customer_summary\n"
                                                  "    args: [\"{scheduled_for}\", 180, null]\n"
                                                  "    timeout: 10m\n"
                                                  "  - name: purge\n"
                                                  "    schedule: \"@hourly\"\n"
                                                  "    sql: DELETE FROM t WHERE x < NOW()\n"
                                                  "    enabled: false\n");
  const auto c = ConfigLoader::load(file, options());
  REQUIRE(c.jobs.size() == 2);
  CHECK(c.database.schema == "Chinook");
  CHECK(c.database.pool_size == 8);
  CHECK(c.scheduler.state_schema == "sqlcron");
  const auto& j = c.jobs[0];
  CHECK(j.name == "customer_summary");
  CHECK(j.call_schema == "Chinook");
  CHECK(j.call_procedure == "customer_summary");
  CHECK(j.timezone == "Europe/Berlin");
  CHECK(j.args.size() == 3);
  CHECK(j.timeout == std::chrono::minutes(10));
  CHECK(j.source.line == 6);
  CHECK(c.jobs[1].sql == "DELETE FROM t WHERE x < NOW()");
  CHECK(j.overlap == sqlcron::config::Overlap::skip);
  CHECK(j.misfire == sqlcron::config::Misfire::run_once);
  CHECK(j.retry.attempts == 1);
  CHECK_FALSE(c.jobs[1].enabled);
  // 02:00 in Berlin in January is 01:00 UTC.
  const auto next = j.schedule->next_after(date::sys_days{date::year{2026} / 1 / 1});
  REQUIRE(next);
  CHECK(date::format("%F %T", *next) == "2026-01-01 01:00:00");
}

TEST_CASE("each kind of config error names the file, line, column and key", "[config]") {
  struct Case {
    const char* what;
    std::string yaml;
    int line;
    int column;
    std::string key;
    std::string message;
  };
  const std::string job = "  - name: a\n    schedule: \"* * * * *\"\n";
  const std::vector<Case> cases = {
      {"unknown top-level key", std::string(kHeader) + "colour: blue\n", 6, 1, "colour",
       "unknown key; expected one of: database, scheduler, http, migrations, include, jobs"},
      {"unknown job key", std::string(kHeader) + job + "    call: p\n    retires: 3\n", 9, 5,
       "jobs[0].retires", "unknown key"},
      {"wrong type: port", "database:\n  port: many\n  schema: s\n", 2, 9, "database.port",
       "expected an integer, got 'many'"},
      {"wrong type: enabled", std::string(kHeader) + job + "    call: p\n    enabled: maybe\n", 9,
       14, "jobs[0].enabled", "expected true or false, got 'maybe'"},
      {"bad duration", std::string(kHeader) + job + "    call: p\n    timeout: 10 minutes\n", 9, 14,
       "jobs[0].timeout", "is not a duration"},
      {"both call and sql", std::string(kHeader) + job + "    call: p\n    sql: SELECT 1\n", 6, 5,
       "jobs[0]", "has more than one of call, sql and load_csv"},
      {"neither call nor sql", std::string(kHeader) + job, 6, 5, "jobs[0]",
       "needs one of call (a procedure), sql (a statement) or load_csv"},
      {"invalid procedure identifier",
       std::string(kHeader) + job + "    call: \"p; DROP TABLE x\"\n", 8, 11, "jobs[0].call",
       "is not a valid identifier"},
      {"invalid schedule",
       std::string(kHeader) + "  - name: a\n    schedule: \"0 0 32 * *\"\n    call: p\n", 7, 15,
       "jobs[0].schedule", "day-of-month: 32 is out of range 1-31"},
      {"invalid time zone",
       std::string(kHeader) + job + "    call: p\n    timezone: Mars/Olympus\n", 9, 15,
       "jobs[0].timezone", "unknown time zone 'Mars/Olympus'"},
      {"missing schedule", std::string(kHeader) + "  - name: a\n    call: p\n", 6, 5,
       "jobs[0].schedule", "is required"},
      {"unknown placeholder",
       std::string(kHeader) + job + "    call: p\n    args: [\"{sheduled_for}\"]\n", 9, 12,
       "jobs[0].args[0]", "unknown placeholder {sheduled_for}"},
      {"duplicate job names", std::string(kHeader) + job + "    call: p\n" + job + "    call: q\n",
       9, 1, "jobs.name", "duplicate job name 'a' (first defined at"},
      {"bad overlap policy", std::string(kHeader) + job + "    call: p\n    overlap: sometimes\n",
       9, 14, "jobs[0].overlap",
       "'sometimes' is not an overlap policy; expected skip, queue or allow"},
      {"max_instances without allow",
       std::string(kHeader) + job + "    call: p\n    max_instances: 3\n", 9, 20,
       "jobs[0].max_instances", "only applies with overlap: allow"},
      {"bad misfire policy", std::string(kHeader) + job + "    call: p\n    misfire: always\n", 9,
       14, "jobs[0].misfire", "expected skip, run_once or run_all"},
      {"unknown retry key",
       std::string(kHeader) + job + "    call: p\n    retry: {attempts: 3, delay: 5s}\n", 9, 26,
       "jobs[0].retry.delay", "unknown key; expected one of: attempts, backoff, max_backoff, on"},
      {"retry attempts out of range",
       std::string(kHeader) + job + "    call: p\n    retry: {attempts: 0}\n", 9, 23,
       "jobs[0].retry.attempts", "0 is out of range 1-100"},
      {"invalid YAML", std::string(kHeader) + "  - name: [a\n", 7, 1, "", "invalid YAML"},
      {"after names an unknown job",
       std::string(kHeader) + "  - name: a\n    call: p\n    after: [nosuch]\n", 8, 1,
       "jobs[0].after", "no job named 'nosuch'"},
      {"after and schedule together",
       std::string(kHeader) + job + "    call: p\n  - name: b\n    schedule: \"@daily\"\n" +
           "    call: q\n    after: [a]\n",
       12, 12, "jobs[1].after", "remove schedule: (or after:)"},
      {"on_failure names an unknown job",
       std::string(kHeader) + job + "    call: p\n    on_failure: [pager]\n", 9, 1,
       "jobs[0].on_failure", "no job named 'pager'"},
      {"notify program not absolute",
       std::string(kHeader) + job + "    call: p\n    notify: {command: [alert, x]}\n", 9, 24,
       "jobs[0].notify.command[0]", "must be an absolute path"},
      {"notify without command",
       std::string(kHeader) + job + "    call: p\n    notify: {timeout: 5s}\n", 9, 13,
       "jobs[0].notify.command", "is required"},
      {"load_csv without table",
       std::string(kHeader) + job + "    load_csv: {dir: /tmp, columns: [a]}\n", 8, 15,
       "jobs[0].load_csv.table", "is required"},
      {"load_csv bad column name",
       std::string(kHeader) + job + "    load_csv: {dir: /tmp, table: t, columns: [a, \"b c\"]}\n",
       8, 50, "jobs[0].load_csv.columns[1]", "is not a valid identifier"},
      {"load_csv with args",
       std::string(kHeader) + job + "    load_csv: {dir: /tmp, table: t, columns: [a]}\n" +
           "    args: [1]\n",
       9, 11, "jobs[0].args", "does not apply to load_csv jobs"},
      {"watch directory missing",
       std::string(kHeader) + "  - name: a\n    call: p\n    watch: /nonexistent/inbox\n", 8, 12,
       "jobs[0].watch", "/nonexistent/inbox does not exist"},
      {"bad job name",
       std::string(kHeader) + "  - name: \"a b\"\n    schedule: \"@daily\"\n    call: p\n", 6, 11,
       "jobs[0].name", "may contain only letters"},
  };
  for (const auto& c : cases) {
    SECTION(c.what) {
      const auto issue = first_issue(c.yaml);
      CHECK(issue.line == c.line);
      CHECK(issue.column == c.column);
      CHECK(issue.key == c.key);
      CHECK_THAT(issue.message, Catch::Contains(c.message));
      // The rendered line starts with file:line:column: key:
      CHECK_THAT(issue.to_string(),
                 Catch::Contains(":" + std::to_string(c.line) + ":" + std::to_string(c.column) +
                                 ": " + (c.key.empty() ? "" : c.key + ": ")));
    }
  }
}

TEST_CASE("every problem in a file is reported, not only the first", "[config]") {
  TempDir dir;
  const auto file = dir.write("sqlcron.yaml", std::string(kHeader) +
                                                  "  - name: a\n    schedule: \"61 * * * *\"\n"
                                                  "    call: p\n"
                                                  "  - name: b\n    schedule: \"@daily\"\n");
  try {
    ConfigLoader::load(file, options());
    FAIL("accepted");
  } catch (const ConfigError& e) {
    REQUIRE(e.issues().size() == 2);
    CHECK(e.issues()[0].key == "jobs[0].schedule");
    CHECK(e.issues()[1].key == "jobs[1]");
  }
}

TEST_CASE("jobs in the include directory are loaded, with their own file in errors", "[config]") {
  TempDir dir;
  const auto main = dir.write("sqlcron.yaml", std::string(kHeader) +
                                                  "  - name: a\n    schedule: \"@daily\"\n"
                                                  "    call: p\n");
  dir.write("jobs.d/10-more.yaml",
            "jobs:\n  - name: b\n    schedule: \"@hourly\"\n    sql: SELECT 1\n");
  const auto c = ConfigLoader::load(main, options());
  REQUIRE(c.jobs.size() == 2);
  CHECK(c.jobs[1].name == "b");

  const auto bad = dir.write("jobs.d/20-bad.yaml",
                             "jobs:\n  - name: a\n    schedule: \"@hourly\"\n    sql: SELECT 1\n");
  try {
    ConfigLoader::load(main, options());
    FAIL("accepted a duplicate across files");
  } catch (const ConfigError& e) {
    REQUIRE(e.issues().size() == 1);
    CHECK(e.issues()[0].file == bad);
    CHECK(e.issues()[0].line == 2);
    CHECK_THAT(e.issues()[0].message, Catch::Contains("duplicate job name 'a'"));
  }
}

TEST_CASE("the password comes from a private file, an option file or the environment", "[config]") {
  TempDir dir;
  const auto pw = dir.write("db-password", "s3cret\n");
  ::chmod(pw.c_str(), 0600);
  const auto file = dir.write("sqlcron.yaml",
                              "database:\n  user: u\n  schema: s\n  password_file: db-password\n");
  CHECK(ConfigLoader::load(file, options()).database.password == "s3cret");

  for (const mode_t mode : {0644, 0640, 0604}) {
    ::chmod(pw.c_str(), mode);
    try {
      ConfigLoader::load(file, options());
      FAIL("accepted a password file with mode " << std::oct << mode);
    } catch (const ConfigError& e) {
      CHECK(e.issues()[0].key == "database.password_file");
      CHECK_THAT(e.issues()[0].message,
                 Catch::Contains("can be read by group or others") && Catch::Contains("chmod 600"));
      CHECK_THAT(e.what(), !Catch::Contains("s3cret"));
    }
  }

  const auto cnf =
      dir.write("client.cnf", "[client]\nuser=from_cnf\npassword=cnf-pass\nsocket=/run/x.sock\n");
  ::chmod(cnf.c_str(), 0600);
  const auto with_cnf = dir.write(
      "cnf.yaml", "database:\n  option_file: client.cnf\n  user: explicit\n  schema: s\n");
  const auto d = ConfigLoader::load(with_cnf, options()).database;
  CHECK(d.user == "explicit");  // keys in the YAML win over the option file
  CHECK(d.password == "cnf-pass");
  CHECK(d.socket == "/run/x.sock");
  ::chmod(cnf.c_str(), 0644);
  CHECK_THROWS_WITH(
      ConfigLoader::load(with_cnf, options()),
      Catch::Contains("database.option_file") && Catch::Contains("can be read by group or others"));

  const auto env_file = dir.write("env.yaml", "database:\n  user: u\n  schema: s\n");
  auto o = options();
  o.env_password = "from-env";
  CHECK(ConfigLoader::load(env_file, o).database.password == "from-env");
}

TEST_CASE("TLS settings are checked", "[config]") {
  TempDir dir;
  dir.write("ca.pem", "x");
  const auto ok =
      dir.write("ok.yaml", "database:\n  schema: s\n  tls: {mode: verify_identity, ca: ca.pem}\n");
  const auto d = ConfigLoader::load(ok, options()).database;
  CHECK(d.tls_mode == "verify_identity");
  CHECK(d.tls_ca == (dir.path() / "ca.pem").string());
  const auto bad = dir.write("bad.yaml", "database:\n  schema: s\n  tls: {mode: verify_ca}\n");
  CHECK_THROWS_WITH(ConfigLoader::load(bad, options()),
                    Catch::Contains("database.tls.ca: is required with mode verify_ca"));
  const auto typo = dir.write("typo.yaml", "database:\n  schema: s\n  tls: {mode: on}\n");
  CHECK_THROWS_WITH(ConfigLoader::load(typo, options()), Catch::Contains("'on' is not a TLS mode"));
}

TEST_CASE("a missing or empty config file is an error", "[config]") {
  TempDir dir;
  CHECK_THROWS_WITH(ConfigLoader::load((dir.path() / "nope.yaml").string(), options()),
                    Catch::Contains("cannot read file"));
  const auto empty = dir.write("empty.yaml", "");
  CHECK_THROWS_WITH(ConfigLoader::load(empty, options()), Catch::Contains("the file is empty"));
}

TEST_CASE("job policies and scheduler defaults are read, jobs inherit the defaults", "[config]") {
  TempDir dir;
  const auto file =
      dir.write("sqlcron.yaml",
                "database:\n  schema: s\n"
                "scheduler:\n  misfire: run_all\n  misfire_grace: 2h\n  timeout: 5m\n"
                "  retry: {attempts: 2, backoff: 10s}\n"
                "jobs:\n"
                "  - name: a\n    schedule: \"@hourly\"\n    call: p\n"
                "  - name: b\n    schedule: \"@hourly\"\n    call: p\n    overlap: allow\n"
                "    max_instances: 3\n    misfire: skip\n    timeout: 1m\n"
                "    retry: {attempts: 5, backoff: 1s, max_backoff: 1m}\n");
  const auto c = ConfigLoader::load(file, options());
  const auto& a = c.jobs[0];
  CHECK(a.misfire == sqlcron::config::Misfire::run_all);
  CHECK(a.misfire_grace == std::chrono::hours(2));
  CHECK(a.timeout == std::chrono::minutes(5));
  CHECK(a.retry.attempts == 2);
  CHECK(a.retry.backoff == std::chrono::seconds(10));
  const auto& b = c.jobs[1];
  CHECK(b.overlap == sqlcron::config::Overlap::allow);
  CHECK(b.max_instances == 3);
  CHECK(b.misfire == sqlcron::config::Misfire::skip);
  CHECK(b.timeout == std::chrono::minutes(1));
  CHECK(b.retry.attempts == 5);
  CHECK(b.retry.max_backoff == std::chrono::minutes(1));
}
