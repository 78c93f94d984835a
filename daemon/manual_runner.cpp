#include "manual_runner.hpp"

#include "command_context.hpp"
#include "run_watchdog.hpp"

namespace sqlcron::daemon {

ManualRunner::ManualRunner(std::shared_ptr<const config::Config> config,
                           const std::string& instance)
    : config_(std::move(config)),
      settings_(connection_settings(config_->database)),
      pool_(connector_, settings_, 2),
      spool_(config_->scheduler.state_dir + "/runs.spool"),
      log_(config_->scheduler.state_schema),
      runner_(pool_, config_->scheduler.state_schema, instance, spool_) {}

runtime::RunReport ManualRunner::run(const runtime::RunRequest& request,
                                     const std::function<void(std::int64_t)>& on_claimed) {
  RunWatchdog watchdog(connector_, settings_);
  const auto& timeout = request.job_config().timeout;
  auto report = runner_.run(request, [&](std::int64_t run_id, std::uint64_t connection) {
    if (timeout) watchdog.arm(*timeout, connection, request.interruption);
    if (on_claimed) on_claimed(run_id);
  });
  watchdog.done();
  return report;
}

}  // namespace sqlcron::daemon
