// Filesystem trouble around a config (symlink loops, names too long, unreadable or odd paths) is
// a config error naming the file, line, column and key - never an exception of another type.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>

#include "config/config_error.hpp"
#include "config/config_loader.hpp"
#include "support/temp_dir.hpp"

using sqlcron::config::ConfigError;
using sqlcron::config::ConfigIssue;
using sqlcron::config::ConfigLoader;
using sqlcron::config::LoadOptions;
using sqlcron::test::TempDir;

namespace fs = std::filesystem;

namespace {

const char* const kDatabase =
    "database:\n"
    "  host: 127.0.0.1\n"
    "  user: sqlcron\n"
    "  schema: Chinook\n";

LoadOptions options() {
  LoadOptions o;
  o.defined_at = date::sys_days{date::year{2026} / 1 / 1};
  return o;
}

// Loads `file`: it must fail with a ConfigError (nothing else); returns its issues.
std::vector<ConfigIssue> issues_of(const std::string& file) {
  try {
    ConfigLoader::load(file, options());
  } catch (const ConfigError& e) {
    return e.issues();
  } catch (const std::exception& e) {
    FAIL("not a ConfigError: " << e.what());
  }
  FAIL("the config was accepted: " << file);
  return {};
}

std::string one_issue(const std::string& file) {
  const auto issues = issues_of(file);
  REQUIRE(issues.size() == 1);
  return issues.front().to_string();
}

}  // namespace

TEST_CASE("a symlink loop anywhere the config names a path is a config error", "[config]") {
  TempDir dir;
  fs::create_symlink("loop", dir.path() / "loop");  // ELOOP for anything under it
  const std::string loop = (dir.path() / "loop").string();
  const std::string job = "  - name: a\n    schedule: \"@daily\"\n    sql: SELECT 1\n";
  struct Case {
    const char* what;
    std::string yaml;
    std::string where;  // file:line:column: key:
  };
  const auto file = (dir.path() / "sqlcron.yaml").string();
  const std::vector<Case> cases = {
      {"include:", std::string(kDatabase) + "include: loop\n", file + ":5:10: include: "},
      {"migrations:", std::string(kDatabase) + "migrations: [loop]\n",
       file + ":5:14: migrations[0]: "},
      {"tls.ca", std::string(kDatabase) + "  tls: {mode: verify_ca, ca: loop}\n",
       file + ":5:30: database.tls.ca: "},
      {"watch:",
       std::string(kDatabase) + "jobs:\n  - name: w\n    watch: loop\n    sql: SELECT 1\n",
       file + ":7:12: jobs[0].watch: "},
      {"load_csv.dir",
       std::string(kDatabase) +
           "jobs:\n  - name: l\n    schedule: \"@daily\"\n    load_csv:\n      dir: loop\n"
           "      table: t\n      columns: [a]\n",
       file + ":9:12: jobs[0].load_csv.dir: "},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    dir.write("sqlcron.yaml", c.yaml);
    const auto message = one_issue(file);
    CHECK_THAT(message, Catch::StartsWith(c.where));
    CHECK_THAT(message, Catch::Contains(loop));
    CHECK_THAT(message, Catch::Contains("Too many levels of symbolic links"));
  }
}

TEST_CASE("a symlink loop inside the include directory names the file", "[config]") {
  TempDir dir;
  dir.write("jobs.d/ok.yaml", "jobs:\n  - name: a\n    schedule: \"@daily\"\n    sql: SELECT 1\n");
  fs::create_symlink("bad.yaml", dir.path() / "jobs.d" / "bad.yaml");
  const auto file = dir.write("sqlcron.yaml", kDatabase);
  const auto message = one_issue(file);
  CHECK_THAT(message, Catch::StartsWith((dir.path() / "jobs.d" / "bad.yaml").string() + ": "));
  CHECK_THAT(message, Catch::Contains("Too many levels of symbolic links"));
}

TEST_CASE("a dangling *.yaml symlink in the include directory is an error, not a silent gap",
          "[config]") {
  TempDir dir;
  dir.write("jobs.d/ok.yaml", "jobs:\n  - name: a\n    schedule: \"@daily\"\n    sql: SELECT 1\n");
  fs::create_symlink("/nonexistent/etl.yaml", dir.path() / "jobs.d" / "etl.yaml");
  const auto file = dir.write("sqlcron.yaml", kDatabase);
  const auto message = one_issue(file);
  CHECK_THAT(message, Catch::StartsWith((dir.path() / "jobs.d" / "etl.yaml").string() + ": "));
  CHECK_THAT(message, Catch::Contains("does not exist"));
}

TEST_CASE("names too long and unreadable directories are config errors", "[config]") {
  TempDir dir;
  const std::string long_name(300, 'x');  // NAME_MAX is 255
  const auto file = (dir.path() / "sqlcron.yaml").string();
  for (const auto* key : {"include: ", "migrations: ["}) {
    INFO(key);
    dir.write("sqlcron.yaml", std::string(kDatabase) + key + long_name +
                                  (std::string(key) == "include: " ? "\n" : "]\n"));
    const auto message = one_issue(file);
    CHECK_THAT(message, Catch::StartsWith(file + ":5:"));
    CHECK_THAT(message, Catch::Contains("File name too long"));
  }
  CHECK_THAT(one_issue(dir.path().string() + "/" + long_name + ".yaml"),
             Catch::Contains("File name too long"));

  if (::geteuid() == 0) return;  // root reads any directory
  dir.write("jobs.d/a.yaml", "jobs: []\n");
  ::chmod((dir.path() / "jobs.d").c_str(), 0);
  dir.write("sqlcron.yaml", kDatabase);
  const auto message = one_issue(file);
  ::chmod((dir.path() / "jobs.d").c_str(), 0700);
  CHECK_THAT(message, Catch::Contains("Permission denied"));
}

TEST_CASE("messages: a directory given as the config file says so", "[config]") {
  TempDir dir;
  const auto message = one_issue(dir.path().string());
  CHECK_THAT(message, Catch::Contains("is a directory"));
  CHECK_THAT(message, !Catch::Contains("empty"));
}

TEST_CASE("messages: a tab used for indentation is named as the problem", "[config]") {
  TempDir dir;
  for (const std::string yaml : {"database:\n\thost: x\n", "database:\n  host: x\n\t  user: u\n",
                                 "database:\n  host: x\n  \tuser: u\n", "jobs:\n\t- name: a\n"}) {
    INFO(yaml);
    const auto file = dir.write("sqlcron.yaml", yaml);
    const auto issues = issues_of(file);
    REQUIRE(issues.size() == 1);
    CHECK_THAT(issues.front().message, Catch::Contains("tab"));
    CHECK_THAT(issues.front().message, Catch::Contains("tabs cannot indent YAML"));
    const auto tab = yaml.find('\t');
    const auto line_start = yaml.rfind('\n', tab) + 1;
    CHECK(issues.front().line ==
          static_cast<int>(std::count(yaml.begin(), yaml.begin() + tab, '\n')) + 1);
    CHECK(issues.front().column == static_cast<int>(tab - line_start) + 1);
  }
}

TEST_CASE("messages: an invalid UTF-8 byte is escaped and located", "[config]") {
  TempDir dir;
  const auto file = dir.write("sqlcron.yaml", std::string(kDatabase) +
                                                  "jobs:\n  - name: a\xff\n"
                                                  "    schedule: \"@daily\"\n    sql: SELECT 1\n");
  const auto message = one_issue(file);
  CHECK(message.find('\xff') == std::string::npos);
  CHECK_THAT(message, Catch::StartsWith(file + ":6:12: "));
  CHECK_THAT(message, Catch::Contains("\\xFF"));
  CHECK_THAT(message, Catch::Contains("UTF-8"));
}

TEST_CASE("messages: text quoted in a message never carries invalid UTF-8 or control bytes",
          "[config]") {
  const ConfigIssue issue{"/etc/x\xfe.yaml", 3, 4, "jobs[0].schedule",
                          "minute: '\xff' is not a number\x1b[2J"};
  CHECK(issue.to_string() ==
        "/etc/x\\xFE.yaml:3:4: jobs[0].schedule: minute: '\\xFF' is not a number\\x1B[2J");
}

TEST_CASE("http.listen: the host must be an IP address", "[config]") {
  TempDir dir;
  const auto file = (dir.path() / "sqlcron.yaml").string();
  for (const auto* bad : {"abc:9464", "1.2.3:9464", "999.1.1.1:9464", "localhost:9464", "[::1:9464",
                          "::1:9464", "127.0.0.1:", "127.0.0.1:65536", "9464"}) {
    INFO(bad);
    dir.write("sqlcron.yaml", std::string(kDatabase) + "http:\n  listen: \"" + bad + "\"\n");
    const auto message = one_issue(file);
    CHECK_THAT(message, Catch::StartsWith(file + ":6:11: http.listen: '" + bad + "'"));
  }
  dir.write("sqlcron.yaml", std::string(kDatabase) + "http:\n  listen: abc:9464\n");
  CHECK_THAT(one_issue(file), Catch::Contains("'abc' is not an IP address"));
  for (const auto* good : {"127.0.0.1:9464", "0.0.0.0:0", "[::1]:9464", "[::]:80"}) {
    INFO(good);
    dir.write("sqlcron.yaml", std::string(kDatabase) + "http:\n  listen: \"" + good + "\"\n");
    CHECK_NOTHROW(ConfigLoader::load(file, options()));
  }
}
