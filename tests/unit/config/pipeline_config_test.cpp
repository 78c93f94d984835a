// Pipelines in the config: after:, on_failure:, notify:, watch:, load_csv:, and the job graph.
#include <catch2/catch.hpp>
#include <filesystem>

#include "config/config_error.hpp"
#include "config/config_loader.hpp"
#include "config/job_graph.hpp"
#include "support/temp_dir.hpp"

using sqlcron::config::Config;
using sqlcron::config::ConfigError;
using sqlcron::config::ConfigLoader;
using sqlcron::config::JobGraph;
using sqlcron::test::TempDir;

namespace {

const char* const kHeader =
    "database:\n"
    "  schema: Chinook\n"
    "jobs:\n";

Config load(TempDir& dir, const std::string& jobs) {
  return ConfigLoader::load(dir.write("sqlcron.yaml", std::string(kHeader) + jobs), {});
}

std::vector<std::string> errors(const std::string& jobs) {
  TempDir dir;
  try {
    load(dir, jobs);
  } catch (const ConfigError& e) {
    std::vector<std::string> out;
    for (const auto& i : e.issues()) out.push_back(i.to_string());
    return out;
  }
  FAIL("the config was accepted");
  return {};
}

}  // namespace

TEST_CASE("a chain, a failure hook, a notify command and a CSV load are read", "[config]") {
  TempDir dir;
  const auto inbox = (dir.path() / "inbox").string();
  std::filesystem::create_directory(inbox);
  const auto config =
      load(dir,
           "  - name: ingest\n"
           "    watch: inbox\n"
           "    load_csv:\n"
           "      dir: inbox\n"
           "      table: staging.raw_sales\n"
           "      columns: [id, amount]\n"
           "      delimiter: \";\"\n"
           "      header: false\n"
           "  - name: curate\n"
           "    after: [ingest]\n"
           "    call: curate\n"
           "    args: [\"{last_success}\", \"{scheduled_for}\"]\n"
           "    on_failure: [alert]\n"
           "    notify:\n"
           "      command: [/usr/bin/logger, -t, sqlcron, \"{failed_job} {error_message}\"]\n"
           "      timeout: 5s\n"
           "  - name: alert\n"
           "    sql: INSERT INTO alerts (job, msg) VALUES (?, ?)\n"
           "    args: [\"{failed_job}\", \"{error_message}\"]\n");
  REQUIRE(config.jobs.size() == 3);
  const auto& ingest = config.jobs[0];
  CHECK_FALSE(ingest.schedule);
  CHECK(ingest.watch == inbox);
  CHECK(ingest.overlap == sqlcron::config::Overlap::queue);  // files are never dropped
  REQUIRE(ingest.load_csv);
  CHECK(ingest.load_csv->dir == inbox);
  CHECK(ingest.load_csv->table_schema == "staging");
  CHECK(ingest.load_csv->table == "raw_sales");
  CHECK(ingest.load_csv->columns == std::vector<std::string>{"id", "amount"});
  CHECK(ingest.load_csv->delimiter == ';');
  CHECK_FALSE(ingest.load_csv->header);
  CHECK(ingest.target() == "load_csv:staging.raw_sales");
  CHECK(ingest.trigger() == "watch " + inbox);
  const auto& curate = config.jobs[1];
  CHECK(curate.after == std::vector<std::string>{"ingest"});
  CHECK(curate.on_failure == std::vector<std::string>{"alert"});
  CHECK(curate.trigger() == "after ingest");
  REQUIRE(curate.notify);
  CHECK(curate.notify->command.size() == 4);
  CHECK(curate.notify->timeout == std::chrono::seconds(5));
  CHECK(config.jobs[2].trigger() == "on failure of another job");
}

TEST_CASE("a cycle in after: is rejected with its path", "[config]") {
  const auto e = errors(
      "  - name: a\n    schedule: \"@daily\"\n    call: p\n"
      "  - name: b\n    after: [a, d]\n    call: p\n"
      "  - name: c\n    after: [b]\n    call: p\n"
      "  - name: d\n    after: [c]\n    call: p\n");
  REQUIRE(e.size() == 1);
  CHECK_THAT(e[0], Catch::Contains("the chain has a cycle: "));
  // The path runs in run order and closes on itself; which job it starts at depends on where
  // the search entered the cycle.
  CHECK_THAT(e[0], Catch::Contains("b -> c -> d -> b") || Catch::Contains("c -> d -> b -> c") ||
                       Catch::Contains("d -> b -> c -> d"));
}

TEST_CASE("a job that runs after itself is rejected", "[config]") {
  const auto e = errors("  - name: a\n    after: [a]\n    call: p\n");
  REQUIRE(e.size() == 1);
  CHECK_THAT(e[0], Catch::Contains(":5:1: jobs[0].after: a job cannot run after itself: a -> a"));
}

TEST_CASE("a job with no way to start is rejected", "[config]") {
  const auto e = errors("  - name: a\n    call: p\n");
  REQUIRE(e.size() == 1);
  CHECK_THAT(e[0], Catch::Contains("jobs[0].schedule: is required (or after:"));
  // Named as a failure hook, the same job is fine.
  TempDir dir;
  CHECK_NOTHROW(load(dir,
                     "  - name: a\n    call: p\n"
                     "  - name: b\n    schedule: \"@daily\"\n    call: q\n"
                     "    on_failure: [a]\n"));
}

TEST_CASE("the job graph orders chain steps after all their upstream jobs", "[config]") {
  TempDir dir;
  // root -> (left, right) -> join -> last; other is unrelated.
  const auto config = load(dir,
                           "  - name: root\n    schedule: \"@daily\"\n    call: p\n"
                           "  - name: join\n    after: [left, right]\n    call: p\n"
                           "  - name: right\n    after: [root]\n    call: p\n"
                           "  - name: left\n    after: [root]\n    call: p\n"
                           "  - name: last\n    after: [join]\n    call: p\n"
                           "  - name: other\n    schedule: \"@daily\"\n    call: p\n");
  const JobGraph g(config.jobs);
  const auto names = [&](const std::vector<std::size_t>& v) {
    std::vector<std::string> out;
    out.reserve(v.size());
    for (const auto i : v) out.push_back(config.jobs[i].name);
    return out;
  };
  CHECK(names(g.downstream(0)) == std::vector<std::string>{"right", "left"});
  CHECK(names(g.upstream(1)) == std::vector<std::string>{"left", "right"});
  CHECK(names(g.descendants(0)) == std::vector<std::string>{"right", "left", "join", "last"});
  CHECK(names(g.descendants(2)) == std::vector<std::string>{"join", "last"});
  CHECK(g.descendants(5).empty());
  CHECK(names(g.roots(4)) == std::vector<std::string>{"root"});
  CHECK_FALSE(g.find_cycle());
}

TEST_CASE("load_csv: max_reject_ratio, settle, marker, archive and delete are checked",
          "[config]") {
  const std::string job =
      "  - name: a\n    schedule: \"@daily\"\n    load_csv: {dir: ., table: t, "
      "columns: [x], ";
  const auto one = [&](const std::string& extra) {
    const auto e = errors(job + extra + "}\n");
    REQUIRE(e.size() == 1);
    return e[0];
  };
  CHECK_THAT(one("max_reject_ratio: 1.5"),
             Catch::Contains("jobs[0].load_csv.max_reject_ratio: expected a number from 0 to 1"));
  CHECK_THAT(one("max_reject_ratio: half"), Catch::Contains("expected a number from 0 to 1"));
  CHECK_THAT(one("settle: soon"), Catch::Contains("jobs[0].load_csv.settle:"));
  CHECK_THAT(one("marker: sub/_SUCCESS"), Catch::Contains("jobs[0].load_csv.marker: expected a "
                                                          "file name"));
  CHECK_THAT(one("archive: ."), Catch::Contains("jobs[0].load_csv.archive: is the load directory"));
  CHECK_THAT(one("archive: /nonexistent/done"), Catch::Contains("jobs[0].load_csv.archive:"));
  {  // the load directory spelled otherwise: a symlink to it, a trailing slash
    TempDir d;
    std::filesystem::create_directory(d.path() / "in");
    std::filesystem::create_directory_symlink(d.path() / "in", d.path() / "link");
    const auto in = (d.path() / "in").string();
    for (const auto& archive : {(d.path() / "link").string(), in + "/"}) {
      const auto e = errors("  - name: a\n    schedule: \"@daily\"\n    load_csv: {dir: " + in +
                            ", table: t, columns: [x], archive: " + archive + "}\n");
      REQUIRE(e.size() == 1);
      CHECK_THAT(e[0], Catch::Contains("archive: is the load directory"));
    }
  }
  TempDir other;
  CHECK_THAT(one("archive: " + other.path().string() + ", delete: true"),
             Catch::Contains("archive and delete exclude each other"));
  TempDir dir;
  const auto c = load(dir, job +
                               "max_reject_ratio: 0.25, settle: 0s, marker: _SUCCESS, "
                               "archive: " +
                               other.path().string() + "}\n");
  const auto& csv = *c.jobs.at(0).load_csv;
  CHECK(csv.max_reject_ratio == 0.25);
  CHECK(csv.settle == std::chrono::milliseconds(0));
  CHECK(csv.marker == "_SUCCESS");
  CHECK(csv.archive == other.path().string());
}
