// A join (after: [a, b]) runs when all its upstream jobs succeeded for the same slot, and a
// chain's slot is its root's: a join whose roots never share a slot is rejected (issue 16).
#include <catch2/catch.hpp>

#include "config/config_error.hpp"
#include "config/config_loader.hpp"
#include "support/temp_dir.hpp"

using sqlcron::config::ConfigError;
using sqlcron::config::ConfigLoader;
using sqlcron::test::TempDir;

namespace {

std::vector<std::string> errors(const std::string& jobs) {
  TempDir dir;
  const auto inbox = dir.path() / "inbox";
  std::filesystem::create_directory(inbox);
  try {
    ConfigLoader::load(dir.write("sqlcron.yaml", "database: {schema: s}\njobs:\n" + jobs), {});
  } catch (const ConfigError& e) {
    std::vector<std::string> out;
    for (const auto& i : e.issues()) out.push_back(i.to_string());
    return out;
  }
  return {};
}

}  // namespace

TEST_CASE("a join of roots on different schedules is rejected with both roots", "[config]") {
  const auto e = errors(
      "  - {name: extract, schedule: '0 2 * * *', call: p}\n"
      "  - {name: transform, after: [extract], call: p}\n"
      "  - {name: load_fx_rates, schedule: '0 6 * * *', call: p}\n"
      "  - name: report\n"
      "    after: [transform, load_fx_rates]\n"
      "    call: p\n");
  REQUIRE(e.size() == 1);
  CHECK_THAT(e[0],
             Catch::EndsWith(":7:1: jobs[3].after: a join that can never run: it waits for "
                             "transform (from extract: \"0 2 * * *\" in UTC) and load_fx_rates "
                             "(\"0 6 * * *\" in UTC), which never have the same slot; a join runs "
                             "when all its upstream jobs succeeded for the same slot, so their "
                             "roots need the same schedule (as written; an interval with starts) "
                             "and timezone"));
}

TEST_CASE("joins whose roots cannot share a slot: zones, watches, anchored intervals", "[config]") {
  // The same cron in another zone.
  CHECK(errors("  - {name: a, schedule: '0 2 * * *', call: p}\n"
               "  - {name: b, schedule: '0 2 * * *', timezone: Europe/Berlin, call: p}\n"
               "  - {name: j, after: [a, b], call: p}\n")
            .size() == 1);
  // Each file arrival has a slot of its own.
  const auto w = errors(
      "  - {name: a, schedule: '0 2 * * *', call: p}\n"
      "  - {name: b, watch: inbox, call: p}\n"
      "  - {name: j, after: [a, b], call: p}\n");
  REQUIRE(w.size() == 1);
  CHECK_THAT(w[0], Catch::Contains("and b (watch "));
  // Intervals without starts count from each job's own definition.
  const auto i = errors(
      "  - {name: a, schedule: '@every 15m', call: p}\n"
      "  - {name: b, schedule: '@every 15m', call: p}\n"
      "  - {name: j, after: [a, b], call: p}\n");
  REQUIRE(i.size() == 1);
  CHECK_THAT(i[0], Catch::Contains("counted from its own definition"));
}

TEST_CASE("joins that can run are accepted: one root, or roots on one schedule", "[config]") {
  // A diamond: one root, one slot.
  CHECK(errors("  - {name: r, watch: inbox, call: p}\n"
               "  - {name: a, after: [r], call: p}\n"
               "  - {name: b, after: [r], call: p}\n"
               "  - {name: j, after: [a, b], call: p}\n")
            .empty());
  // Two roots on the same schedule and zone.
  CHECK(errors("  - {name: a, schedule: '0 2 * * *', call: p}\n"
               "  - {name: b, schedule: '0 2 * * *', call: p}\n"
               "  - {name: c, after: [b], call: p}\n"
               "  - {name: j, after: [a, c], call: p}\n")
            .empty());
  CHECK(errors("  - {name: a, schedule: \"every 1 hour starts '2026-01-01 00:00:00'\", call: p}\n"
               "  - {name: b, schedule: \"every 1 hour starts '2026-01-01 00:00:00'\", call: p}\n"
               "  - {name: j, after: [a, b], call: p}\n")
            .empty());
}
