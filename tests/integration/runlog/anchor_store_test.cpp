#include "runlog/anchor_store.hpp"

#include <catch2/catch.hpp>
#include <thread>

#include "migrate/migrator.hpp"
#include "support/test_database.hpp"

using sqlcron::config::JobAnchor;
using sqlcron::runlog::AnchorStore;
using sqlcron::schedule::Instant;

namespace {

constexpr const char* kState = "it_anchor_state";

const Instant kT1 = date::sys_days{date::year{2026} / 1 / 1} + std::chrono::seconds{1};
const Instant kT2 = date::sys_days{date::year{2026} / 1 / 1} + std::chrono::seconds{2};
const Instant kT3 = date::sys_days{date::year{2026} / 1 / 1} + std::chrono::seconds{3};

std::unique_ptr<sqlcron::mysql::Session> prepare() {
  auto s = sqlcron::test::fresh_schema(kState);
  sqlcron::migrate::Migrator(*s, kState)
      .apply({"sqlcron", sqlcron::test::source_path("migrations/sqlcron"), kState});
  return s;
}

std::vector<JobAnchor> jobs(int n, Instant at, const std::string& schedule = "@every 7s") {
  std::vector<JobAnchor> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) out.push_back({"job" + std::to_string(i), schedule, "", at});
  return out;
}

std::int64_t rows(sqlcron::mysql::Session& s) {
  return std::stoll(
      s.query(std::string("SELECT COUNT(*) FROM ") + kState + ".anchors").rows.at(0).at(0).value());
}

}  // namespace

TEST_CASE("two daemons claiming together get the same anchors", "[runlog][anchors]") {
  prepare();
  // 1,200 jobs: several batches each, so the two claims interleave.
  std::vector<JobAnchor> a;
  std::vector<JobAnchor> b;
  std::thread first([&] {
    auto s = sqlcron::test::connect();
    a = AnchorStore(kState).claim(*s, jobs(1200, kT1), "daemon-a");
  });
  std::thread second([&] {
    auto s = sqlcron::test::connect();
    b = AnchorStore(kState).claim(*s, jobs(1200, kT2), "daemon-b");
  });
  first.join();
  second.join();
  REQUIRE(a.size() == 1200);
  REQUIRE(b.size() == 1200);
  auto s = sqlcron::test::connect();
  CHECK(rows(*s) == 1200);
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO(a[i].job);
    CHECK(a[i].job == b[i].job);
    CHECK(a[i].anchored_at == b[i].anchored_at);
    CHECK((a[i].anchored_at == kT1 || a[i].anchored_at == kT2));
  }
}

TEST_CASE("an unchanged schedule keeps its anchor, a changed one re-anchors", "[runlog][anchors]") {
  auto s = prepare();
  const AnchorStore store(kState);
  const auto first = store.claim(*s,
                                 {{"seven", "@every 7s", "", kT1},
                                  {"daily", "every 1 day", "Europe/Berlin", kT1},
                                  {"hourly", "every 1 hour", "", kT1}},
                                 "d1");
  CHECK(first[0].anchored_at == kT1);
  // A reload or restart later: the same schedules keep the first anchor.
  const auto again = store.claim(*s,
                                 {{"seven", "@every 7s", "", kT2},
                                  {"daily", "every 1 day", "Europe/Berlin", kT2},
                                  {"hourly", "every 1 hour", "", kT2}},
                                 "d2");
  CHECK(again[0].anchored_at == kT1);
  CHECK(again[1].anchored_at == kT1);
  CHECK(again[2].anchored_at == kT1);
  // Changed expression, changed zone of a calendar interval: anchored at the new instant.
  const auto changed = store.claim(*s,
                                   {{"seven", "@every 8s", "", kT3},
                                    {"daily", "every 1 day", "UTC", kT3},
                                    {"hourly", "every 1 hour", "", kT3}},
                                   "d3");
  CHECK(changed[0].anchored_at == kT3);
  CHECK(changed[1].anchored_at == kT3);
  CHECK(changed[2].anchored_at == kT1);
  const auto by = s->query(std::string("SELECT job, schedule, timezone, anchored_by FROM ") +
                           kState + ".anchors ORDER BY job");
  CHECK(by.rows == std::vector<sqlcron::mysql::Row>{{"daily", "every 1 day", "UTC", "d3"},
                                                    {"hourly", "every 1 hour", "", "d1"},
                                                    {"seven", "@every 8s", "", "d3"}});
}

TEST_CASE("read gives stored anchors of the same schedule and writes nothing",
          "[runlog][anchors]") {
  auto s = prepare();
  const AnchorStore store(kState);
  (void)store.claim(*s, {{"seven", "@every 7s", "", kT1}}, "d1");
  const auto got = store.read(*s, {{"seven", "@every 7s", "", kT3},
                                   {"other", "@every 7s", "", kT3},
                                   {"changed", "@every 9s", "", kT3}});
  CHECK(got[0].anchored_at == kT1);
  CHECK(got[1].anchored_at == kT3);
  CHECK(got[2].anchored_at == kT3);
  const auto edited = store.read(*s, {{"seven", "@every 8s", "", kT3}});
  CHECK(edited[0].anchored_at == kT3);  // not this schedule's anchor
  CHECK(rows(*s) == 1);
}
