#include "importer/event_converter.hpp"

#include <catch2/catch.hpp>

#include "config/config_error.hpp"
#include "config/config_loader.hpp"
#include "schedule/time_format.hpp"
#include "support/temp_dir.hpp"

using sqlcron::config::ConfigLoader;
using sqlcron::importer::Conversion;
using sqlcron::importer::ConversionOptions;
using sqlcron::importer::EventConverter;
using sqlcron::importer::EventDefinition;
using sqlcron::test::TempDir;

namespace {

EventDefinition daily(const std::string& name, const std::string& body) {
  EventDefinition e;
  e.schema = "Chinook";
  e.name = name;
  e.time_zone = "Europe/Berlin";
  e.definition = body;
  e.interval_value = "1";
  e.interval_field = "DAY";
  e.starts = "2026-01-01 02:00:00";
  e.starts_utc = "2026-01-01 01:00:00";
  return e;
}

ConversionOptions options() {
  ConversionOptions o;
  o.system_reported = "CEST";
  o.default_schema = "Chinook";
  return o;
}

// Loads the converted YAML as ConfigLoader would (with a database: header); fails the test with
// every issue if it does not load.
sqlcron::config::Config load(const Conversion& c) {
  TempDir dir;
  const auto file =
      dir.write("sqlcron.yaml",
                "database:\n  host: 127.0.0.1\n  user: sqlcron\n  schema: Chinook\n" + c.yaml);
  sqlcron::config::LoadOptions lo;
  lo.defined_at = date::sys_days{date::year{2026} / 1 / 1};
  try {
    return ConfigLoader::load(file, lo);
  } catch (const sqlcron::config::ConfigError& e) {
    std::string all;
    for (const auto& i : e.issues()) all += i.to_string() + "\n";
    FAIL("the YAML does not load:\n" << c.yaml << "\n" << all);
  }
  return {};
}

std::vector<std::string> rendered_args(const sqlcron::config::JobConfig& job) {
  sqlcron::config::RunContext ctx;
  ctx.job = job.name;
  std::vector<std::string> out;
  for (const auto& a : job.args) {
    const auto v = a.render(ctx);
    if (std::holds_alternative<std::monostate>(v)) out.emplace_back("NULL");
    if (const auto* i = std::get_if<std::int64_t>(&v)) out.push_back("int " + std::to_string(*i));
    if (const auto* d = std::get_if<double>(&v)) out.push_back("real " + std::to_string(*d));
    if (const auto* s = std::get_if<std::string>(&v)) out.push_back("text " + *s);
  }
  return out;
}

std::string utc(sqlcron::schedule::Instant t) {
  return sqlcron::schedule::format_rfc3339(t, sqlcron::schedule::find_zone("UTC"));
}

}  // namespace

TEST_CASE("EventConverter: the Chinook events become call jobs that load", "[importer]") {
  std::vector<EventDefinition> events{
      daily("customer_summary", "CALL customer_summary(NULL, 180)"),
      daily("product_summary_etl", "CALL product_summary_etl()"),
      daily("sale_summary", "BEGIN CALL Chinook.sale_summary('incremental'); END"),
  };
  events[1].starts = "2026-01-01 02:30:00";
  events[1].starts_utc = "2026-01-01 01:30:00";
  events[2].interval_value = "1";
  events[2].interval_field = "HOUR";
  events[2].comment = "hourly sales; \"incremental\" mode";
  const auto c = EventConverter(options()).convert(events);
  INFO(c.yaml);
  const auto config = load(c);
  REQUIRE(config.jobs.size() == 3);
  const auto& cs = config.jobs[0];
  CHECK(cs.name == "Chinook.customer_summary");
  CHECK(cs.schedule_text() == "every 1 DAY starts '2026-01-01 02:00:00'");
  CHECK(cs.timezone == "Europe/Berlin");
  CHECK(cs.target() == "Chinook.customer_summary");
  CHECK(rendered_args(cs) == std::vector<std::string>{"NULL", "int 180"});
  CHECK(cs.enabled);
  // STARTS fires itself, then every day at 02:00 Berlin time.
  CHECK(utc(*cs.schedule->next_after(date::sys_days{date::year{2025} / 12 / 1})) ==
        "2026-01-01T01:00:00+00:00");
  CHECK(utc(*cs.schedule->next_after(date::sys_days{date::year{2026} / 6 / 30})) ==
        "2026-07-01T00:00:00+00:00");
  CHECK(config.jobs[1].target() == "Chinook.product_summary_etl");
  CHECK(config.jobs[1].args.empty());
  CHECK(config.jobs[2].schedule_text() == "every 1 HOUR starts '2026-01-01 02:00:00'");
  CHECK(rendered_args(config.jobs[2]) == std::vector<std::string>{"text incremental"});
  CHECK_THAT(c.yaml, Catch::Contains("# comment: hourly sales; \"incremental\" mode"));
  CHECK_THAT(c.yaml, Catch::Contains("ON COMPLETION NOT PRESERVE (no effect"));
  for (const auto& e : c.events) CHECK(e.imported);
}

TEST_CASE("EventConverter: every interval unit keeps its quantity", "[importer]") {
  struct Case {
    const char* value;  // INTERVAL_VALUE as information_schema shows it
    const char* field;
    const char* schedule;
  };
  const std::vector<Case> cases{
      {"30", "SECOND", "every 30 SECOND"},
      {"15", "MINUTE", "every 15 MINUTE"},
      {"2", "HOUR", "every 2 HOUR"},
      {"1", "DAY", "every 1 DAY"},
      {"2", "WEEK", "every 2 WEEK"},
      {"1", "MONTH", "every 1 MONTH"},
      {"1", "QUARTER", "every 1 QUARTER"},
      {"1", "YEAR", "every 1 YEAR"},
      {"'1 12'", "DAY_HOUR", "every '1 12' DAY_HOUR"},
      {"'1 2:30'", "DAY_MINUTE", "every '1 2:30' DAY_MINUTE"},
      {"'0 0:1:30'", "DAY_SECOND", "every '0 0:1:30' DAY_SECOND"},
      {"'2:30'", "HOUR_MINUTE", "every '2:30' HOUR_MINUTE"},
      {"'1:0:30'", "HOUR_SECOND", "every '1:0:30' HOUR_SECOND"},
      {"'5:30'", "MINUTE_SECOND", "every '5:30' MINUTE_SECOND"},
      {"'1-6'", "YEAR_MONTH", "every '1-6' YEAR_MONTH"},
  };
  std::vector<EventDefinition> events;
  for (const auto& c : cases) {
    auto e = daily(std::string("e_") + c.field, "CALL p()");
    e.interval_value = c.value;
    e.interval_field = c.field;
    events.push_back(e);
  }
  const auto c = EventConverter(options()).convert(events);
  INFO(c.yaml);
  const auto config = load(c);
  REQUIRE(config.jobs.size() == cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    CHECK(config.jobs[i].schedule_text() ==
          std::string(cases[i].schedule) + " starts '2026-01-01 02:00:00'");
  }
  // '1 12' DAY_HOUR is 36 hours.
  const auto start = *config.jobs[8].schedule->next_after(date::sys_days{date::year{2025} / 1 / 1});
  CHECK(*config.jobs[8].schedule->next_after(start) - start == std::chrono::hours(36));
}

TEST_CASE("EventConverter: AT, ENDS, disabled and NOT PRESERVE", "[importer]") {
  auto once = daily("once", "CALL p('x')");
  once.interval_value.reset();
  once.interval_field.reset();
  once.starts.reset();
  once.starts_utc.reset();
  once.execute_at = "2027-06-01 12:00:00";
  once.execute_at_utc = "2027-06-01 10:00:00";
  auto ending = daily("ending", "CALL p()");
  ending.ends = "2026-12-31 00:00:00";
  ending.ends_utc = "2026-12-30 23:00:00";
  ending.preserve = true;
  ending.status = "DISABLED";
  auto replica = daily("replica", "CALL p()");
  replica.status = "SLAVESIDE_DISABLED";
  const auto c = EventConverter(options()).convert({once, ending, replica});
  INFO(c.yaml);
  const auto config = load(c);
  REQUIRE(config.jobs.size() == 3);
  CHECK(config.jobs[0].schedule_text() == "at '2027-06-01 12:00:00'");
  CHECK(config.jobs[0].enabled);
  CHECK(utc(*config.jobs[0].schedule->next_after(date::sys_days{date::year{2027} / 1 / 1})) ==
        "2027-06-01T10:00:00+00:00");
  CHECK_FALSE(config.jobs[0].schedule->next_after(date::sys_days{date::year{2027} / 7 / 1}));
  CHECK(config.jobs[1].schedule_text() ==
        "every 1 DAY starts '2026-01-01 02:00:00' ends '2026-12-31 00:00:00'");
  CHECK_FALSE(config.jobs[1].enabled);
  CHECK_FALSE(config.jobs[2].enabled);
  CHECK_THAT(c.yaml, Catch::Contains("# ON COMPLETION NOT PRESERVE: MySQL drops the event"));
  CHECK_THAT(c.yaml, Catch::Contains("# DISABLED in MySQL"));
  CHECK_THAT(c.yaml, Catch::Contains("# SLAVESIDE_DISABLED"));
}

TEST_CASE("EventConverter: other statements become sql, compound bodies stay commented out",
          "[importer]") {
  auto purge = daily("purge", "DELETE FROM log\nWHERE at < NOW() - INTERVAL 30 DAY;");
  auto elsewhere = daily("elsewhere", "UPDATE t SET n = n + 1");
  elsewhere.schema = "Other";
  auto multi =
      daily("multi", "BEGIN\n  INSERT INTO t VALUES (1);\n  DELETE FROM t WHERE a = 'x';\nEND");
  const auto c = EventConverter(options()).convert({purge, elsewhere, multi});
  INFO(c.yaml);
  const auto config = load(c);
  REQUIRE(config.jobs.size() == 2);
  CHECK(config.jobs[0].sql == "DELETE FROM log\nWHERE at < NOW() - INTERVAL 30 DAY");
  CHECK_FALSE(config.jobs[0].is_call());
  CHECK(config.jobs[1].name == "Other.elsewhere");
  CHECK(config.jobs[1].sql == "UPDATE t SET n = n + 1");
  CHECK_THAT(c.yaml, Catch::Contains("the event ran in schema `Other`"));
  REQUIRE(c.events.size() == 3);
  CHECK_FALSE(c.events[2].imported);
  CHECK_THAT(c.events[2].reason, Catch::Contains("several statements"));
  CHECK_THAT(c.yaml, Catch::Contains("#   CREATE PROCEDURE `Chinook`.`multi`()"));
  CHECK_THAT(c.yaml, Catch::Contains("#     DELETE FROM t WHERE a = 'x';"));
  CHECK_THAT(c.yaml, Catch::Contains("# - name: Chinook.multi"));
  CHECK_THAT(c.yaml, Catch::Contains("#   call: Chinook.multi"));

  // Multi-line statements read back exactly, blank lines and trailing spaces included.
  for (const char* sql : {"UPDATE t\n\n   SET a = 1  \nWHERE b = '\\'", "SELECT 1\n\tFROM dual",
                          "SELECT 'a\r\nb'\nFROM dual"}) {
    INFO(sql);
    const auto one = EventConverter(options()).convert({daily("stmt", sql)});
    INFO(one.yaml);
    CHECK(load(one).jobs.at(0).sql == sql);
  }

  // With nothing importable the file still loads (an empty list).
  const auto none = EventConverter(options()).convert({multi});
  CHECK_THAT(none.yaml, Catch::Contains("jobs: []"));
  CHECK(load(none).jobs.empty());
}

TEST_CASE("EventConverter: names, comments and strings that need escaping", "[importer]") {
  auto odd = daily("nightly run: \"a\" #1",
                   "CALL p('{job} it''s', 'x\\ny', '# not a comment', "
                   "'null', '180', 'a\\\\b')");
  odd.comment = "line one\nline two: \"quoted\" # hash";
  auto dup = daily("nightly run: \"a\" #2", "CALL p()");  // also becomes ..._a___2 after mapping
  auto dup2 = daily("nightly_run___a___1", "CALL p()");   // collides with the first mapped name
  auto unicode = daily("résumé", "CALL `ünï`()");
  const auto c = EventConverter(options()).convert({odd, dup, dup2, unicode});
  INFO(c.yaml);
  const auto config = load(c);
  REQUIRE(config.jobs.size() == 4);
  CHECK(config.jobs[0].name == "Chinook.nightly_run___a___1");
  CHECK(config.jobs[2].name == "Chinook.nightly_run___a___1_2");
  CHECK(rendered_args(config.jobs[0]) ==
        std::vector<std::string>{"text {job} it's", "text x\ny", "text # not a comment",
                                 "text null", "text 180", "text a\\b"});
  CHECK_THAT(c.yaml, Catch::Contains("# event `Chinook`.`nightly run: \"a\" #1`"));
  CHECK_THAT(c.yaml, Catch::Contains("# comment: line one\n  # line two: \"quoted\" # hash"));
  CHECK(config.jobs[3].name == "Chinook.r__sum__");
  // A procedure name outside our identifier alphabet is run as written, via sql.
  CHECK(config.jobs[3].sql == "CALL `ünï`()");
}

TEST_CASE("EventConverter: zones without an IANA name use UTC times", "[importer]") {
  auto india = daily("india", "CALL p()");
  india.time_zone = "+05:30";
  india.starts = "2026-01-01 02:00:00";
  india.starts_utc = "2025-12-31 20:30:00";
  auto system = daily("system", "CALL p()");
  system.time_zone = "SYSTEM";
  system.starts_utc = "2026-01-01 00:00:00";
  auto fixed = daily("fixed", "CALL p()");
  fixed.time_zone = "+02:00";
  auto missing = daily("missing", "CALL p()");
  missing.time_zone = "+05:30";
  missing.starts_utc.reset();

  const auto c = EventConverter(options()).convert({india, system, fixed, missing});
  INFO(c.yaml);
  const auto config = load(c);
  REQUIRE(config.jobs.size() == 3);
  CHECK(config.jobs[0].timezone == "UTC");
  CHECK(config.jobs[0].schedule_text() == "every 1 DAY starts '2025-12-31 20:30:00'");
  CHECK(config.jobs[1].timezone == "UTC");
  CHECK(config.jobs[1].schedule_text() == "every 1 DAY starts '2026-01-01 00:00:00'");
  CHECK_THAT(c.yaml, Catch::Contains("server's zone 'CEST', which names no IANA zone"));
  CHECK(config.jobs[2].timezone == "Etc/GMT-2");
  CHECK(config.jobs[2].schedule_text() == "every 1 DAY starts '2026-01-01 02:00:00'");
  CHECK_FALSE(c.events[3].imported);

  auto named = options();
  named.system_zone = "Europe/Berlin";
  const auto n = EventConverter(named).convert({system});
  CHECK(load(n).jobs.at(0).timezone == "Europe/Berlin");
  CHECK(load(n).jobs.at(0).schedule_text() == "every 1 DAY starts '2026-01-01 02:00:00'");
}

TEST_CASE("EventConverter: line breaks YAML honours cannot break out of comments or text",
          "[importer]") {
  // Each of these ends a YAML comment line (YAML 1.1: \r, NEL, LS and PS are line breaks too);
  // written raw after '#', what follows it would be read as a job.
  const std::string nel = "\xC2\x85";
  const std::string ls = "\xE2\x80\xA8";
  const std::string ps = "\xE2\x80\xA9";
  for (const auto& brk : {nel, ls, ps, std::string("\r")}) {
    const std::string evil = brk + "  - name: evil" + brk + "    schedule: \"@every 1s\"" + brk +
                             "    sql: DROP TABLE Chinook.Customer" + brk;
    auto commented = daily("commented", "CALL p()");
    commented.comment = "harmless" + evil + "tail";
    // A compound body is written commented out (the CREATE PROCEDURE suggestion).
    auto compound = daily("compound", "BEGIN\n  SELECT 1; -- x" + evil + "\n  SELECT 2;\nEND");
    // Single statements are scalars.
    auto statement = daily("statement", "SELECT '" + evil + "'");
    auto block = daily("block", "SELECT 1\nFROM dual WHERE a = '" + evil + "'");
    auto call = daily("call", "CALL p('" + evil + "')");
    const auto c = EventConverter(options()).convert({commented, compound, statement, block, call});
    INFO(c.yaml);
    const auto config = load(c);
    std::vector<std::string> names;
    for (const auto& j : config.jobs) names.push_back(j.name);
    CHECK(names == std::vector<std::string>{"Chinook.commented", "Chinook.statement",
                                            "Chinook.block", "Chinook.call"});
    // Text from the server keeps its meaning: scalars read back exactly...
    CHECK(config.jobs[1].sql == statement.definition);
    CHECK(config.jobs[2].sql == block.definition);
    CHECK(rendered_args(config.jobs[3]) == std::vector<std::string>{"text " + evil});
    // ... and comments show the break escaped, on the comment's own line.
    if (brk != "\r") CHECK_THAT(c.yaml, Catch::Contains("# comment: harmless\\u"));
    CHECK(c.yaml.find(brk) == std::string::npos);
    CHECK_THAT(c.yaml, !Catch::Contains("\n  - name: evil"));
  }
}
