// core::Scheduler on files (issue 16): a run a file started has cause `watch`; a file the load's
// pattern does not match is logged and starts nothing; a load that brought nothing new skips the
// rest of its chain with the reason `no new data`; a load that left files still settling has its
// directory looked at again.
#include <catch2/catch.hpp>
#include <chrono>

#include "core/scheduler.hpp"

using namespace std::chrono_literals;
namespace core = sqlcron::core;
namespace action = sqlcron::core::action;
namespace event = sqlcron::core::event;

namespace {

const auto kStart = date::sys_days{date::year{2027} / 1 / 4} + 10s;

// ingest (watch /in, load_csv of /in) -> step.
std::shared_ptr<const sqlcron::config::Config> watched_chain() {
  auto c = std::make_shared<sqlcron::config::Config>();
  c->scheduler.zone = date::locate_zone("UTC");
  sqlcron::config::JobConfig ingest;
  ingest.name = "ingest";
  ingest.watch = "/in";
  sqlcron::config::LoadCsvConfig csv;
  csv.dir = "/in";
  csv.table = "raw";
  csv.columns = {"x"};
  ingest.load_csv = std::make_shared<const sqlcron::config::LoadCsvConfig>(csv);
  ingest.overlap = sqlcron::config::Overlap::queue;
  c->jobs.push_back(ingest);
  sqlcron::config::JobConfig step;
  step.name = "step";
  step.sql = "SELECT 1";
  step.after = {"ingest"};
  c->jobs.push_back(step);
  return c;
}

template <typename A>
std::vector<A> all(const core::Scheduler::Actions& actions) {
  std::vector<A> out;
  for (const auto& a : actions) {
    if (const auto* x = std::get_if<A>(&a)) out.push_back(*x);
  }
  return out;
}

// The report of `order`'s run 11, succeeded.
core::RunReport report_of(const core::RunOrder& order) {
  core::RunReport done;
  done.claimed = true;
  done.run_id = 11;
  done.scheduled_for = order.scheduled_for;
  return done;
}

std::string logs(const core::Scheduler::Actions& actions) {
  std::string out;
  for (const auto& l : all<action::Log>(actions)) out += l.text + "\n";
  return out;
}

}  // namespace

TEST_CASE("a file that arrives starts its load with cause watch, other names are logged",
          "[core][scheduler]") {
  core::Now now{kStart, std::chrono::steady_clock::time_point(1h)};
  core::Scheduler s(watched_chain(), {}, now);
  s.handle(event::Begin{}, now);
  s.handle(event::HealthChecked{{true, false, "", 0, 0, {}}}, now);

  auto actions = s.handle(event::FileArrived{"ingest", "notes.txt"}, now);
  CHECK(all<action::Start>(actions).empty());
  CHECK_THAT(logs(actions), Catch::Contains("notes.txt arrived in /in but does not match pattern "
                                            "'*.csv': ignored"));

  actions = s.handle(event::FileArrived{"ingest", "a.csv"}, now);
  const auto starts = all<action::Start>(actions);
  REQUIRE(starts.size() == 1);
  REQUIRE(starts[0].runs.size() == 1);
  const auto order = starts[0].runs[0];
  CHECK(order.cause == core::RunCause::watch);

  SECTION("nothing new: the rest of the chain is skipped") {
    auto done = report_of(order);
    done.outcome.no_new_data = true;
    actions = s.handle(event::Finished{order, done, false}, now);
    CHECK(all<action::Start>(actions).empty());
    const auto skips = all<action::RecordSkip>(actions);
    REQUIRE(skips.size() == 1);
    CHECK(skips[0].run.job_config().name == "step");
    CHECK(skips[0].reason == "no new data");
    CHECK(skips[0].run.chain_run_id == 11);
  }
  SECTION("new rows: the chain goes on") {
    auto done = report_of(order);
    done.outcome.rows_affected = 3;
    actions = s.handle(event::Finished{order, done, false}, now);
    CHECK(all<action::RecordSkip>(actions).empty());
    const auto next = all<action::Start>(actions);
    REQUIRE(next.size() == 1);
    CHECK(next[0].runs.at(0).job_config().name == "step");
    CHECK(all<action::Rescan>(actions).empty());
  }
  SECTION("files left still settling: its directory is listed again (the watcher waits settle)") {
    auto done = report_of(order);
    done.outcome.no_new_data = true;
    done.outcome.files_settling = true;
    actions = s.handle(event::Finished{order, done, false}, now);
    const auto rescans = all<action::Rescan>(actions);
    REQUIRE(rescans.size() == 1);
    CHECK(rescans[0].job == "ingest");
  }
}
