#include "runlog/reload_anchors.hpp"

#include <catch2/catch.hpp>

#include "config/config_loader.hpp"
#include "config/job_anchors.hpp"
#include "migrate/migrator.hpp"
#include "runlog/anchor_store.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

using sqlcron::config::Config;
using sqlcron::runlog::ReloadAnchors;
using sqlcron::schedule::Instant;

namespace {

constexpr const char* kState = "it_reload_anchor_state";

const Instant kT1 = date::sys_days{date::year{2026} / 1 / 1} + std::chrono::seconds{1};
const Instant kT2 = kT1 + std::chrono::hours{1};
const Instant kT3 = kT1 + std::chrono::hours{2};
const Instant kT4 = kT1 + std::chrono::hours{3};

Config load(const std::string& jobs, Instant defined_at) {
  sqlcron::test::TempDir dir;
  const auto file = dir.write("sqlcron.yaml", "database:\n  user: u\n  schema: w\njobs:\n" + jobs);
  sqlcron::config::LoadOptions o;
  o.defined_at = defined_at;
  return sqlcron::config::ConfigLoader::load(file, o);
}

std::string job(const std::string& name, const std::string& schedule) {
  return "  - {name: " + name + ", schedule: '" + schedule + "', sql: SELECT 1}\n";
}

std::optional<Instant> anchor(const Config& c, const std::string& name) {
  for (const auto& j : c.jobs) {
    if (j.name == name) return j.schedule->anchor();
  }
  return std::nullopt;
}

std::string stored(sqlcron::mysql::Session& s, const std::string& name) {
  const auto rs = s.query(std::string("SELECT CONCAT(schedule, ' @ ', anchored_at) FROM ") +
                              kState + ".anchors WHERE job = ?",
                          {name});
  return rs.rows.empty() ? "none" : rs.rows[0][0].value_or("NULL");
}

}  // namespace

TEST_CASE("a reload keeps unchanged anchors, stores new ones, and survives the database away",
          "[runlog][anchors]") {
  auto s = sqlcron::test::fresh_schema(kState);
  sqlcron::migrate::Migrator(*s, kState)
      .apply({"sqlcron", sqlcron::test::source_path("migrations/sqlcron"), kState});
  const sqlcron::mysql::Connector connector;
  const auto settings = sqlcron::test::test_settings();

  // Start: what serve does before its first plan.
  auto start = load(job("seven", "@every 7s") + job("hourly", "every 1 hour"), kT1);
  sqlcron::config::JobAnchors::apply(start, sqlcron::runlog::AnchorStore(kState).claim(
                                                *s, sqlcron::config::JobAnchors::of(start), "d1"));
  const auto current = std::make_shared<const Config>(std::move(start));

  // A reload: one schedule unchanged, one changed, one job new.
  ReloadAnchors up(connector, settings, kState, "d1", current);
  const auto first = up.apply(load(job("seven", "@every 7s") + job("hourly", "every 2 hour") +
                                       job("fresh", "@every 5s") + job("cron", "* * * * *"),
                                   kT2));
  CHECK(anchor(*first, "seven") == kT1);
  CHECK(anchor(*first, "hourly") == kT2);
  CHECK(anchor(*first, "fresh") == kT2);
  CHECK(stored(*s, "seven") == "@every 7s @ 2026-01-01 00:00:01");
  CHECK(stored(*s, "hourly") == "every 2 hour @ 2026-01-01 01:00:01");
  CHECK(stored(*s, "fresh") == "@every 5s @ 2026-01-01 01:00:01");
  CHECK(stored(*s, "cron") == "none");

  // The database cannot be reached: unchanged schedules keep their anchors, a new job counts
  // from this reload.
  auto away = settings;
  away.socket = "/nonexistent/sqlcron-test.sock";
  ReloadAnchors down(connector, away, kState, "d1", first);
  const auto second = down.apply(load(
      job("seven", "@every 7s") + job("hourly", "every 2 hour") + job("later", "@every 9s"), kT3));
  CHECK(anchor(*second, "seven") == kT1);
  CHECK(anchor(*second, "hourly") == kT2);
  CHECK(anchor(*second, "later") == kT3);
  CHECK(stored(*s, "later") == "none");

  // The next reload that reaches the database stores that anchor, not its own instant.
  ReloadAnchors back(connector, settings, kState, "d1", second);
  const auto third = back.apply(load(job("seven", "@every 7s") + job("later", "@every 9s"), kT4));
  CHECK(anchor(*third, "later") == kT3);
  CHECK(stored(*s, "later") == "@every 9s @ 2026-01-01 02:00:01");
  CHECK(anchor(*third, "seven") == kT1);
}
