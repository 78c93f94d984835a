#include "config/job_anchors.hpp"

#include <catch2/catch.hpp>

#include "config/config_loader.hpp"
#include "support/temp_dir.hpp"

using sqlcron::config::ConfigLoader;
using sqlcron::config::JobAnchor;
using sqlcron::config::JobAnchors;
using sqlcron::config::LoadOptions;
using sqlcron::schedule::Instant;
using sqlcron::test::TempDir;

namespace {

const Instant kLoad = date::sys_days{date::year{2026} / 5 / 1} + std::chrono::hours{10};
const Instant kFirst = date::sys_days{date::year{2026} / 1 / 1} + std::chrono::seconds{3};

sqlcron::config::Config load(const std::string& jobs) {
  TempDir dir;
  const auto file = dir.write("sqlcron.yaml",
                              "database:\n  user: sqlcron\n  schema: w\n"
                              "scheduler:\n  timezone: Europe/Berlin\njobs:\n" +
                                  jobs);
  LoadOptions o;
  o.defined_at = kLoad;
  return ConfigLoader::load(file, o);
}

const char* const kJobs =
    "  - {name: cron, schedule: '*/5 * * * *', sql: SELECT 1}\n"
    "  - {name: seven, schedule: '@every 7s', sql: SELECT 1}\n"
    "  - {name: hourly, schedule: 'every 2 hour', sql: SELECT 1}\n"
    "  - {name: daily, schedule: 'every 1 day', timezone: UTC, sql: SELECT 1}\n"
    "  - {name: started, schedule: '@every 7s starts 2026-01-01', sql: SELECT 1}\n"
    "  - {name: chained, after: [cron], sql: SELECT 1}\n";

}  // namespace

TEST_CASE("JobAnchors::of lists the jobs that count from their definition", "[config]") {
  const auto c = load(kJobs);
  const auto anchors = JobAnchors::of(c);
  REQUIRE(anchors.size() == 3);
  CHECK(anchors[0].job == "seven");
  CHECK(anchors[0].schedule == "@every 7s");
  CHECK(anchors[0].timezone.empty());  // an elapsed interval: the zone plays no part
  CHECK(anchors[0].anchored_at == kLoad);
  CHECK(anchors[1].job == "hourly");
  CHECK(anchors[2].job == "daily");
  CHECK(anchors[2].timezone == "UTC");  // a calendar interval counts in its zone
}

TEST_CASE("JobAnchors::apply re-anchors only the jobs whose schedule is the one anchored",
          "[config]") {
  auto c = load(kJobs);
  JobAnchors::apply(c, {JobAnchor{"seven", "@every 7s", "", kFirst},
                        JobAnchor{"hourly", "every 3 hour", "", kFirst},  // another schedule
                        JobAnchor{"daily", "every 1 day", "UTC", kFirst},
                        JobAnchor{"cron", "*/5 * * * *", "", kFirst}});
  CHECK(c.jobs[1].schedule->anchor() == kFirst);
  // kFirst + k * 7 s: the grid of the first definition, not of this load.
  CHECK(c.jobs[1].schedule->next_after(kLoad) == kLoad + std::chrono::seconds{5});
  CHECK(c.jobs[2].schedule->anchor() == kLoad);
  CHECK(c.jobs[3].schedule->anchor() == kFirst);
  CHECK(c.jobs[3].schedule->next_after(kLoad) ==
        date::sys_days{date::year{2026} / 5 / 2} + std::chrono::seconds{3});
  CHECK_FALSE(c.jobs[0].schedule->anchor().has_value());
  CHECK(c.jobs[0].schedule->next_after(kLoad) == kLoad + std::chrono::minutes{5});
}

TEST_CASE("JobAnchors::adopt keeps the anchors of unchanged schedules", "[config]") {
  auto anchors = JobAnchors::of(load(kJobs));
  const std::vector<JobAnchor> known{{"seven", "@every 7s", "", kFirst},
                                     {"hourly", "every 3 hour", "", kFirst},
                                     {"daily", "every 1 day", "Europe/Berlin", kFirst}};
  JobAnchors::adopt(anchors, known);
  CHECK(anchors[0].anchored_at == kFirst);
  CHECK(anchors[1].anchored_at == kLoad);  // the schedule changed
  CHECK(anchors[2].anchored_at == kLoad);  // the zone of a calendar interval changed
}
