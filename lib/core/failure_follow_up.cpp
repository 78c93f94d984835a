#include "core/failure_follow_up.hpp"

#include <date/date.h>
#include <fmt/format.h>

#include "core/chain_readiness.hpp"

namespace sqlcron::core {

bool is_final_failure(RunStatus status) {
  return status == RunStatus::failed || status == RunStatus::timed_out ||
         status == RunStatus::abandoned;
}

namespace {

action::RunNotify render_notify(const config::JobConfig& j, const config::FailureInfo& failure,
                                const std::shared_ptr<const config::FailureInfo>& shared,
                                std::int64_t chain, int attempt, const std::string& instance) {
  const config::RunContext ctx{j.name,  failure.scheduled_for, failure.run_id,
                               attempt, std::nullopt,          &failure};
  action::RunNotify n;
  for (const auto& a : j.notify->command) n.argv.push_back(a.render_text(ctx));
  // A fixed environment: the run's fields, a safe PATH; nothing of the daemon's (no secrets).
  n.env = {"PATH=/usr/local/bin:/usr/bin:/bin",
           "LANG=C.UTF-8",
           "SQLCRON_JOB=" + failure.job,
           "SQLCRON_RUN_ID=" + std::to_string(failure.run_id),
           "SQLCRON_STATUS=" + failure.status,
           "SQLCRON_SCHEDULED_FOR=" + date::format("%F %T", failure.scheduled_for),
           "SQLCRON_ATTEMPT=" + std::to_string(attempt),
           "SQLCRON_ERROR_CODE=" + std::to_string(failure.error_code),
           "SQLCRON_SQL_STATE=" + failure.sql_state,
           "SQLCRON_ERROR_MESSAGE=" + failure.error_message,
           "SQLCRON_CHAIN_RUN_ID=" + std::to_string(chain),
           "SQLCRON_INSTANCE=" + instance};
  n.timeout = j.notify->timeout;
  n.failure = shared;
  return n;
}

}  // namespace

std::optional<FailureFollowUp> failure_follow_up(const config::Config& config,
                                                 const config::JobGraph& graph,
                                                 const RunOrder& order, const RunReport& report,
                                                 const std::string& instance) {
  const auto& o = report.outcome;
  if (!is_final_failure(o.status)) return std::nullopt;
  const auto& j = order.job_config();
  FailureFollowUp f;
  f.chain = order.chain_run_id != 0 ? order.chain_run_id : report.run_id;
  f.failure = std::make_shared<const config::FailureInfo>(
      config::FailureInfo{j.name, report.run_id, std::string(to_string(o.status)), o.error_code,
                          o.sql_state, o.error_message, order.scheduled_for});
  f.skip_reason = upstream_failed(j.name, to_string(o.status), report.run_id);
  // A failing hook (any attempt of it) does not fire hooks itself: alerts cannot loop.
  if (order.cause == RunCause::failure_hook || order.failure) return f;
  for (const auto& hook : j.on_failure) {
    const auto h = graph.index(hook);
    if (!h) continue;
    if (config.jobs[*h].enabled) {
      f.hooks.push_back(*h);
    } else {
      f.disabled_hooks.push_back(hook);
    }
  }
  if (j.notify) {
    f.notify = render_notify(j, *f.failure, f.failure, f.chain, order.attempt, instance);
  }
  return f;
}

}  // namespace sqlcron::core
