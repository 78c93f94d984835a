// scheduler.on_failure / scheduler.notify and a chain root's own: the failure hooks and notify
// command of every job without its own (lib/config/failure_defaults.hpp).
#include <catch2/catch.hpp>

#include "config/config_error.hpp"
#include "config/config_loader.hpp"
#include "support/temp_dir.hpp"

using sqlcron::config::Config;
using sqlcron::config::ConfigError;
using sqlcron::config::ConfigLoader;
using sqlcron::config::JobConfig;
using sqlcron::test::TempDir;

namespace {

Config load(TempDir& dir, const std::string& text) {
  return ConfigLoader::load(dir.write("sqlcron.yaml", "database: {schema: s}\n" + text), {});
}

std::vector<std::string> errors(const std::string& text) {
  TempDir dir;
  try {
    load(dir, text);
  } catch (const ConfigError& e) {
    std::vector<std::string> out;
    for (const auto& i : e.issues()) out.push_back(i.to_string());
    return out;
  }
  FAIL("the config was accepted");
  return {};
}

const JobConfig& job(const Config& c, const std::string& name) {
  for (const auto& j : c.jobs) {
    if (j.name == name) return j;
  }
  FAIL("no job " << name);
  throw std::logic_error("unreachable");
}

std::string program(const JobConfig& j) {
  return j.notify ? j.notify->command.at(0).render_text({}) : "";
}

}  // namespace

TEST_CASE("scheduler.on_failure and scheduler.notify apply to every job without its own",
          "[config]") {
  TempDir dir;
  const auto c = load(dir,
                      "scheduler:\n"
                      "  on_failure: [alert]\n"
                      "  notify: {command: [/bin/true, \"{failed_job}\"], timeout: 5s}\n"
                      "jobs:\n"
                      "  - {name: extract, schedule: '@daily', call: p}\n"
                      "  - {name: transform, after: [extract], call: p}\n"
                      "  - {name: own, schedule: '@daily', call: p, on_failure: [page],\n"
                      "     notify: {command: [/bin/false]}}\n"
                      "  - {name: quiet, schedule: '@daily', call: p, on_failure: [], notify: ~}\n"
                      "  - {name: alert, sql: 'DO 1'}\n"
                      "  - {name: page, sql: 'DO 1'}\n");
  for (const auto* name : {"extract", "transform"}) {
    INFO(name);
    CHECK(job(c, name).on_failure == std::vector<std::string>{"alert"});
    CHECK(program(job(c, name)) == "/bin/true");
    CHECK(job(c, name).notify->timeout == std::chrono::seconds(5));
  }
  CHECK(job(c, "own").on_failure == std::vector<std::string>{"page"});
  CHECK(program(job(c, "own")) == "/bin/false");
  CHECK(job(c, "quiet").on_failure.empty());
  CHECK_FALSE(job(c, "quiet").notify);
  // Hooks take no default: an alert that fails alerts no one.
  for (const auto* name : {"alert", "page"}) {
    INFO(name);
    CHECK(job(c, name).on_failure.empty());
    CHECK_FALSE(job(c, name).notify);
  }
}

TEST_CASE("a chain root's own on_failure and notify apply to its steps without their own",
          "[config]") {
  TempDir dir;
  const auto c = load(dir,
                      "scheduler: {on_failure: [alert]}\n"
                      "jobs:\n"
                      "  - {name: ingest, schedule: '@daily', call: p, on_failure: [page],\n"
                      "     notify: {command: [/bin/true]}}\n"
                      "  - {name: curate, after: [ingest], call: p}\n"
                      "  - {name: gold, after: [curate], call: p}\n"
                      "  - {name: check, after: [gold], call: p, on_failure: [alert]}\n"
                      "  - {name: other, schedule: '@daily', call: p}\n"
                      "  - {name: alert, sql: 'DO 1'}\n"
                      "  - {name: page, sql: 'DO 1'}\n");
  for (const auto* name : {"ingest", "curate", "gold"}) {
    INFO(name);
    CHECK(job(c, name).on_failure == std::vector<std::string>{"page"});
    CHECK(program(job(c, name)) == "/bin/true");
  }
  CHECK(job(c, "check").on_failure == std::vector<std::string>{"alert"});
  CHECK(program(job(c, "check")) == "/bin/true");  // its own on_failure, the root's notify
  CHECK(job(c, "other").on_failure == std::vector<std::string>{"alert"});
  CHECK_FALSE(job(c, "other").notify);
}

TEST_CASE("scheduler.on_failure naming no job is an error at its line", "[config]") {
  using Catch::Matchers::EndsWith;
  const auto e = errors(
      "scheduler:\n"
      "  on_failure: [alret]\n"
      "jobs:\n"
      "  - {name: a, schedule: '@daily', call: p}\n");
  REQUIRE(e.size() == 1);
  CHECK_THAT(e[0], EndsWith(":3:1: scheduler.on_failure: no job named 'alret'"));
}

TEST_CASE("a notify program that does not exist or cannot be run is a config error", "[config]") {
  using Catch::Matchers::EndsWith;
  const auto e = errors(
      "jobs:\n"
      "  - {name: a, schedule: '@daily', call: p,\n"
      "     notify: {command: [/usr/local/bin/no-such-alert, x]}}\n");
  REQUIRE(e.size() == 1);
  CHECK_THAT(e[0], EndsWith(":4:25: jobs[0].notify.command[0]: '/usr/local/bin/no-such-alert' "
                            "cannot be run: No such file or directory"));
  const auto d = errors(
      "scheduler:\n"
      "  notify: {command: [/tmp]}\n"
      "jobs: []\n");
  REQUIRE(d.size() == 1);
  CHECK_THAT(d[0], EndsWith(":3:22: scheduler.notify.command[0]: '/tmp' cannot be run: not a "
                            "regular file"));
}
