// import-events against the real server: events created with CREATE EVENT are read from
// information_schema.EVENTS, converted, loaded with ConfigLoader, and their fire times compared
// with what the server itself computes for the event (STARTS + k intervals in the event's zone,
// converted to UTC by the server).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>

#include "config/config_error.hpp"
#include "config/config_loader.hpp"
#include "importer/event_converter.hpp"
#include "importer/event_reader.hpp"
#include "importer/event_zone.hpp"
#include "migrate/sql_script.hpp"
#include "schedule/time_format.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

namespace {

using sqlcron::importer::Conversion;
using sqlcron::importer::EventConverter;
using sqlcron::importer::EventReader;
using sqlcron::schedule::Instant;

constexpr const char* kChinook = "it_import_chinook";
constexpr const char* kEvents = "it_import_events";

// Named zones need the server's time zone tables; the sandbox starts without them, so load the
// zones the tests use (with the server's own tzinfo-to-sql tool) when they are missing.
void ensure_zone(sqlcron::mysql::Session& s, const std::string& zone) {
  const auto rs = s.query("SELECT COUNT(*) FROM mysql.time_zone_name WHERE Name = ?", {zone});
  if (rs.rows.at(0).at(0) != "0") return;
  const std::string args = " /usr/share/zoneinfo/" + zone + " " + zone + " 2>/dev/null";
  const std::string cmd = "mariadb-tzinfo-to-sql" + args + " || mysql_tzinfo_to_sql" + args;
  std::string script;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) script.append(buf, n);
    ::pclose(p);
  }
  REQUIRE_FALSE(script.empty());
  auto mysql_db = sqlcron::test::connect("mysql");
  for (const auto& st : sqlcron::migrate::SqlScript::split(script)) mysql_db->execute_raw(st.text);
}

void create_event(sqlcron::mysql::Session& s, const std::string& zone, const std::string& sql) {
  s.execute_raw("SET time_zone = '" + zone + "'");
  s.execute_raw(sql);
}

sqlcron::config::Config load(const Conversion& c, const std::string& schema) {
  sqlcron::test::TempDir dir;
  const auto file = dir.write("sqlcron.yaml",
                              "database:\n  host: 127.0.0.1\n  user: u\n"
                              "  schema: " +
                                  schema + "\n" + c.yaml);
  sqlcron::config::LoadOptions lo;
  lo.defined_at = date::sys_days{date::year{2026} / 1 / 1};
  try {
    return sqlcron::config::ConfigLoader::load(file, lo);
  } catch (const sqlcron::config::ConfigError& e) {
    std::string all;
    for (const auto& i : e.issues()) all += i.to_string() + "\n";
    FAIL("the YAML does not load:\n" << c.yaml << "\n" << all);
  }
  return {};
}

Conversion convert(sqlcron::mysql::Session& s, const std::string& schema) {
  EventReader reader(s);
  sqlcron::importer::ConversionOptions o;
  o.system_reported = reader.system_time_zone();
  o.system_zone = sqlcron::importer::EventZone::system_zone_name(o.system_reported);
  o.default_schema = schema;
  return EventConverter(o).convert(reader.read(schema));
}

std::string sql_utc(Instant t) { return date::format("%F %T", t); }

// The next `count` fire times (UTC) after `after`, as the server computes them: `step` is a SQL
// expression for local fire time n + 1 given the local anchor `starts`, `n` and fire time `at`.
std::vector<std::string> server_fire_times(sqlcron::mysql::Session& s, const std::string& schema,
                                           const std::string& event, const std::string& step,
                                           Instant after, int count) {
  s.execute_raw("SET SESSION max_recursive_iterations = 100000");  // MariaDB's default: 1000
  const auto rs = s.query(
      "WITH RECURSIVE fire(n, starts, ends, at, tz) AS ("
      "  SELECT 0, STARTS, ENDS, COALESCE(STARTS, EXECUTE_AT), TIME_ZONE"
      "  FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? AND EVENT_NAME = ?"
      "  UNION ALL SELECT n + 1, starts, ends, " +
          step +
          ", tz FROM fire"
          "  WHERE n < 20000 AND at < '2200-01-01') "
          "SELECT DATE_FORMAT(CONVERT_TZ(at, tz, '+00:00'), '%Y-%m-%d %H:%i:%s') AS utc FROM fire "
          "WHERE CONVERT_TZ(at, tz, '+00:00') > ? AND (ends IS NULL OR at <= ends) "
          "ORDER BY n LIMIT " +
          std::to_string(count),
      {schema, event, sql_utc(after)});
  std::vector<std::string> out;
  for (const auto& r : rs.rows) out.push_back(r.at(0).value_or("NULL"));
  return out;
}

std::vector<std::string> our_fire_times(const sqlcron::config::JobConfig& job, Instant after,
                                        int count) {
  std::vector<std::string> out;
  for (auto t = job.schedule->next_after(after); t && count-- > 0;
       t = job.schedule->next_after(*t)) {
    out.push_back(sql_utc(*t));
  }
  return out;
}

Instant at(const std::string& rfc3339) { return sqlcron::schedule::parse_rfc3339(rfc3339); }

}  // namespace

TEST_CASE("import-events: the Chinook events become jobs that fire when MySQL would",
          "[importer]") {
  sqlcron::test::load_chinook(kChinook);
  sqlcron::test::apply_chinook_pack(kChinook);
  auto s = sqlcron::test::connect(kChinook);
  ensure_zone(*s, "Europe/Berlin");
  create_event(*s, "Europe/Berlin",
               "CREATE EVENT customer_summary ON SCHEDULE EVERY 1 DAY "
               "STARTS '2026-01-01 02:00:00' COMMENT 'nightly: customers, churn after 180 days' "
               "DO CALL customer_summary(NULL, 180)");
  create_event(*s, "Europe/Berlin",
               "CREATE EVENT product_summary_etl ON SCHEDULE EVERY 1 DAY "
               "STARTS '2026-01-01 02:30:00' DO CALL product_summary_etl()");
  create_event(*s, "Europe/Berlin",
               "CREATE EVENT sale_summary ON SCHEDULE EVERY 1 HOUR "
               "STARTS '2026-01-01 00:15:00' ON COMPLETION PRESERVE "
               "DO BEGIN CALL sale_summary('incremental'); END");

  const auto c = convert(*s, kChinook);
  INFO(c.yaml);
  const auto config = load(c, kChinook);
  REQUIRE(config.jobs.size() == 3);
  const auto& cs = config.jobs[0];
  const auto& ps = config.jobs[1];
  const auto& ss = config.jobs[2];
  CHECK(cs.name == "it_import_chinook.customer_summary");
  CHECK(cs.timezone == "Europe/Berlin");
  CHECK(cs.schedule_text() == "every 1 DAY starts '2026-01-01 02:00:00'");
  CHECK(cs.target() == "it_import_chinook.customer_summary");
  CHECK(ps.target() == "it_import_chinook.product_summary_etl");
  CHECK(ss.target() == "it_import_chinook.sale_summary");
  CHECK_THAT(c.yaml, Catch::Contains("# comment: nightly: customers, churn after 180 days"));

  // Daily jobs: the same fire times as MySQL, including across both DST changes (02:00 and
  // 02:30 fall into the spring-forward gap on 2026-03-29: both fire at 03:00 CEST).
  for (const char* from : {"2025-12-01T00:00:00Z", "2026-03-27T12:00:00Z", "2026-10-24T12:00:00Z",
                           "2030-06-15T01:00:00Z"}) {
    INFO("after " << from);
    for (const auto* job : {&cs, &ps}) {
      const auto event = job->name.substr(job->name.find('.') + 1);
      CHECK(our_fire_times(*job, at(from), 4) ==
            server_fire_times(*s, kChinook, event, "starts + INTERVAL (n + 1) DAY", at(from), 4));
    }
  }
  // Hourly: the same away from DST changes (there MySQL steps local hours, sqlcron real ones).
  for (const char* from : {"2026-01-01T00:00:00Z", "2026-07-04T10:20:00Z"}) {
    INFO("after " << from);
    CHECK(our_fire_times(ss, at(from), 5) ==
          server_fire_times(*s, kChinook, "sale_summary", "at + INTERVAL 1 HOUR", at(from), 5));
  }

  // The converted calls run: the arguments suit the procedures.
  sqlcron::config::RunContext ctx;
  for (const auto& job : config.jobs) {
    INFO(job.name);
    std::vector<sqlcron::mysql::Value> args;
    for (const auto& a : job.args) args.push_back(a.render(ctx));
    CHECK_NOTHROW(s->call(job.call_schema, job.call_procedure, args));
  }
  CHECK(s->query("SELECT COUNT(*) FROM customer_summary").rows.at(0).at(0) == "59");
}

TEST_CASE("import-events: units, zones, AT, ENDS and bodies as the server shows them",
          "[importer]") {
  auto s = sqlcron::test::fresh_schema(kEvents);
  ensure_zone(*s, "Europe/Berlin");
  ensure_zone(*s, "America/New_York");
  struct Case {
    const char* zone;
    const char* name;
    const char* definition;  // after CREATE EVENT name
    const char* step;        // next local fire time, as SQL (see server_fire_times)
    const char* from;
    const char* schedule;  // expected schedule text in the job
    const char* job_zone;
  };
  const std::vector<Case> cases{
      {"+05:30", "e_day_hour",
       "ON SCHEDULE EVERY '1 12' DAY_HOUR STARTS '2026-01-01 02:00:00' "
       "DO DELETE FROM t WHERE a < 0",
       "at + INTERVAL '1 12' DAY_HOUR", "2026-02-01T00:00:00Z",
       "every '1 12' DAY_HOUR starts '2025-12-31 20:30:00'", "UTC"},
      {"America/New_York", "month_end",
       "ON SCHEDULE EVERY 1 MONTH STARTS '2026-01-31 08:00:00' "
       "DO CALL p('{job}', -1.5)",
       "starts + INTERVAL (n + 1) MONTH", "2026-01-15T00:00:00Z",
       "every 1 MONTH starts '2026-01-31 08:00:00'", "America/New_York"},
      {"+02:00", "e_year_month",
       "ON SCHEDULE EVERY '1-2' YEAR_MONTH STARTS '2026-01-28 23:00:00' "
       "DO CALL p()",
       "starts + INTERVAL (14 * (n + 1)) MONTH", "2026-01-01T00:00:00Z",
       "every '1-2' YEAR_MONTH starts '2026-01-28 23:00:00'", "Etc/GMT-2"},
      {"Europe/Berlin", "weekly",
       "ON SCHEDULE EVERY 1 WEEK STARTS '2026-03-01 02:30:00' "
       "ENDS '2030-12-31 00:00:00' ON COMPLETION PRESERVE DISABLE "
       "DO CALL p()",
       "starts + INTERVAL (n + 1) WEEK", "2026-03-20T00:00:00Z",
       "every 1 WEEK starts '2026-03-01 02:30:00' ends '2030-12-31 00:00:00'", "Europe/Berlin"},
      {"+00:00", "e_hour_minute",
       "ON SCHEDULE EVERY '2:30' HOUR_MINUTE "
       "STARTS '2026-05-01 10:00:00' DO CALL p()",
       "at + INTERVAL '2:30' HOUR_MINUTE", "2026-05-02T00:00:00Z",
       "every '2:30' HOUR_MINUTE starts '2026-05-01 10:00:00'", "UTC"},
      {"SYSTEM", "e_minute_second",
       "ON SCHEDULE EVERY '5:30' MINUTE_SECOND "
       "STARTS '2026-05-01 10:00:00' DO CALL p()",
       "at + INTERVAL '5:30' MINUTE_SECOND", "2026-05-01T10:10:00Z",
       "every '5:30' MINUTE_SECOND starts '2026-05-01 10:00:00'", "UTC"},
      // 02:30 falls into the DST gap: the server stores (and shows) 03:00.
      {"America/New_York", "once",
       "ON SCHEDULE AT '2030-03-10 02:30:00' ON COMPLETION PRESERVE "
       "DO CALL p()",
       "NULL", "2030-01-01T00:00:00Z", "at '2030-03-10 03:00:00'", "America/New_York"},
  };
  for (const auto& c : cases) {
    create_event(*s, c.zone, std::string("CREATE EVENT ") + c.name + " " + c.definition);
  }
  create_event(*s, "+00:00",
               "CREATE EVENT multi ON SCHEDULE EVERY 1 DAY STARTS '2026-01-01 00:00:00' "
               "DO BEGIN INSERT INTO t VALUES (1); DELETE FROM t; END");
  // The sandbox's system zone is UTC; SYSTEM maps to it.
  REQUIRE(EventReader(*s).system_time_zone() == "UTC");

  const auto conv = convert(*s, kEvents);
  INFO(conv.yaml);
  const auto config = load(conv, kEvents);
  REQUIRE(config.jobs.size() == cases.size());
  for (const auto& c : cases) {
    INFO(c.name);
    const auto it = std::find_if(config.jobs.begin(), config.jobs.end(), [&](const auto& j) {
      return j.name == std::string(kEvents) + "." + c.name;
    });
    REQUIRE(it != config.jobs.end());
    CHECK(it->schedule_text() == c.schedule);
    CHECK(it->timezone == c.job_zone);
    CHECK(our_fire_times(*it, at(c.from), 6) ==
          server_fire_times(*s, kEvents, c.name, c.step, at(c.from), 6));
  }
  const auto weekly = std::find_if(config.jobs.begin(), config.jobs.end(), [](const auto& j) {
    return j.name == "it_import_events.weekly";
  });
  CHECK_FALSE(weekly->enabled);
  const auto month_end = std::find_if(config.jobs.begin(), config.jobs.end(), [](const auto& j) {
    return j.name == "it_import_events.month_end";
  });
  REQUIRE(month_end->args.size() == 2);
  CHECK(std::get<std::string>(month_end->args[0].render({})) == "{job}");  // literal braces
  CHECK(std::get<double>(month_end->args[1].render({})) == -1.5);
  // The several-statement body is not a job, but is in the file for the operator to act on.
  const auto multi = std::find_if(conv.events.begin(), conv.events.end(),
                                  [](const auto& e) { return e.name == "multi"; });
  REQUIRE(multi != conv.events.end());
  CHECK_FALSE(multi->imported);
  CHECK_THAT(conv.yaml, Catch::Contains("# - name: it_import_events.multi"));
}
