// A new release of the packs installs over an older one: every file is repeatable, and
// `migrate` applies the changed ones again over a schema whose tables, views and state the
// refreshes filled - without losing them, and the refreshes go on from where they were.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "integration/analytics/analytics_schema.hpp"
#include "migrate/migrator.hpp"
#include "support/test_database.hpp"

namespace {

using sqlcron::migrate::MigrationSet;
using sqlcron::migrate::Migrator;
using sqlcron::test::AnalyticsSchema;

// The packs' versions: applied once, never changed (the rest is repeatable).
const std::set<std::string> kVersions{"070_forget_earlier_summary_state.sql"};

}  // namespace

TEST_CASE("the packs' files are repeatable: changed ones apply again over refreshed data",
          "[chinook][migrate]") {
  const std::string schema = "it_pack_upgrade";
  AnalyticsSchema db(schema);
  const std::vector<MigrationSet> sets{
      {"chinook", sqlcron::test::source_path("migrations/chinook"), schema},
      {"analytics", sqlcron::test::source_path("migrations/analytics"), schema}};
  for (const auto& set : sets) {
    for (const auto& f : Migrator::read_directory(set.directory)) {
      INFO(set.directory << "/" << f.name);
      CHECK(Migrator::repeatable(f.content) == (kVersions.count(f.name) == 0));
    }
  }

  db.exec("CALL customer_summary_incremental('2025-12-31', 180)");
  db.exec("CALL product_summary_etl_incremental()");
  db.exec("CALL sale_summary('incremental')");
  db.exec("CALL dq_checks_incremental(NULL)");
  db.exec("CALL analytics_refresh('2025-12-31', 'full')");
  const std::string counts =
      "SELECT CONCAT_WS(' ', (SELECT COUNT(*) FROM customer_summary), (SELECT COUNT(*) FROM "
      "product_summary_etl), (SELECT COUNT(*) FROM sale_summary), (SELECT COUNT(*) FROM "
      "dq_check_log), (SELECT COUNT(*) FROM dim_customer), (SELECT COUNT(*) FROM customer_rfm))";
  const auto before = db.scalar(counts);

  // Recorded as applied by an older release (other checksums): all of them run again.
  auto state = sqlcron::test::fresh_schema("it_pack_upgrade_state");
  Migrator m(*state, "it_pack_upgrade_state");
  for (const auto& set : sets) m.apply(set);
  state->execute_raw(
      "UPDATE it_pack_upgrade_state.schema_migrations SET checksum = REPEAT('0', 16) "
      "WHERE filename <> '070_forget_earlier_summary_state.sql'");
  for (const auto& set : sets) {
    const auto files = Migrator::read_directory(set.directory);
    const auto r = m.apply(set);
    const auto versions = static_cast<std::size_t>(std::count_if(
        files.begin(), files.end(), [](const auto& f) { return kVersions.count(f.name) != 0; }));
    CHECK(r.reapplied.size() == files.size() - versions);
    CHECK(r.unchanged.size() == versions);
  }
  CHECK(db.scalar(counts) == before);
  CHECK(db.scalar("SELECT TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
                  "'it_pack_upgrade' AND TABLE_NAME = 'customer_summary'") == "VIEW");

  // The nightly path goes on incrementally from the state it had.
  db.exec("CALL customer_summary_incremental('2026-01-31', 180)");
  db.exec("CALL product_summary_etl_incremental()");
  db.exec("CALL sale_summary('incremental')");
  db.exec("CALL analytics_refresh('2026-01-31', 'incremental')");
  CHECK(db.scalar("SELECT MIN(AsOf) FROM customer_summary") == "2026-01-31 00:00:00");
  CHECK(db.scalar("SELECT AsOf FROM etl_summary_state WHERE Name = 'customer_summary'") ==
        "2026-01-31 00:00:00");
}
