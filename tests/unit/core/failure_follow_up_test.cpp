// core::failure_follow_up: the one rule for what a final failure sets off, whatever started the
// run (the daemon's Scheduler and run-now / backfill / rerun both use it).
#include "core/failure_follow_up.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

namespace core = sqlcron::core;
namespace config = sqlcron::config;

namespace {

std::shared_ptr<const config::Config> jobs() {
  auto c = std::make_shared<config::Config>();
  config::JobConfig gold;
  gold.name = "gold";
  gold.sql = "CALL gold()";
  gold.on_failure = {"alert", "off"};
  auto notify = std::make_shared<config::NotifyConfig>();
  notify->command = {config::ArgTemplate::text("/bin/echo"),
                     config::ArgTemplate::text("{failed_job} run {failed_run_id}")};
  gold.notify = notify;
  config::JobConfig check;
  check.name = "check";
  check.after = {"gold"};
  config::JobConfig alert;
  alert.name = "alert";
  config::JobConfig off;
  off.name = "off";
  off.enabled = false;
  c->jobs = {gold, check, alert, off};
  return c;
}

core::RunReport report(core::RunStatus status, std::int64_t run_id) {
  core::RunReport r;
  r.claimed = true;
  r.run_id = run_id;
  r.outcome.status = status;
  r.outcome.error_code = 1146;
  r.outcome.error_message = "Table 'gold_customer_stats' doesn't exist";
  return r;
}

}  // namespace

TEST_CASE("a final failure fires the enabled hooks and the rendered notify, whatever the cause",
          "[core][pipeline]") {
  const auto c = jobs();
  const config::JobGraph graph(c->jobs);
  const auto cause = GENERATE(core::RunCause::schedule, core::RunCause::manual,
                              core::RunCause::chain, core::RunCause::retry);
  core::RunOrder order;
  order.config = c;
  order.job = 0;
  order.cause = cause;
  order.attempt = 2;
  order.chain_run_id = cause == core::RunCause::manual ? 0 : 7;
  const auto f = core::failure_follow_up(*c, graph, order, report(core::RunStatus::failed, 12),
                                         "host:1:run-now");
  REQUIRE(f.has_value());
  CHECK(f->chain == (cause == core::RunCause::manual ? 12 : 7));
  CHECK(f->skip_reason == "upstream gold failed (run 12)");
  CHECK(f->hooks == std::vector<std::size_t>{2});
  CHECK(f->disabled_hooks == std::vector<std::string>{"off"});
  REQUIRE(f->notify.has_value());
  CHECK(f->notify->argv == std::vector<std::string>{"/bin/echo", "gold run 12"});
  CHECK(std::find(f->notify->env.begin(), f->notify->env.end(), "SQLCRON_ATTEMPT=2") !=
        f->notify->env.end());
  CHECK(std::find(f->notify->env.begin(), f->notify->env.end(),
                  "SQLCRON_INSTANCE=host:1:run-now") != f->notify->env.end());
}

TEST_CASE("success and cancellation set off nothing, a failing hook fires no hooks",
          "[core][pipeline]") {
  const auto c = jobs();
  const config::JobGraph graph(c->jobs);
  core::RunOrder order;
  order.config = c;
  order.job = 0;
  CHECK_FALSE(
      core::failure_follow_up(*c, graph, order, report(core::RunStatus::succeeded, 3), "i"));
  CHECK_FALSE(
      core::failure_follow_up(*c, graph, order, report(core::RunStatus::cancelled, 3), "i"));
  const auto timed_out =
      core::failure_follow_up(*c, graph, order, report(core::RunStatus::timed_out, 3), "i");
  REQUIRE(timed_out.has_value());
  CHECK(timed_out->skip_reason == "upstream gold timed_out (run 3)");
  order.cause = core::RunCause::failure_hook;
  const auto hook =
      core::failure_follow_up(*c, graph, order, report(core::RunStatus::failed, 4), "i");
  REQUIRE(hook.has_value());
  CHECK(hook->hooks.empty());
  CHECK_FALSE(hook->notify.has_value());
}
