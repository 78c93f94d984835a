#include "exec/manual_runner.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "exec/run_watchdog.hpp"
#include "mysql/db_error.hpp"
#include "runlog/instance_registry.hpp"

namespace sqlcron::exec {

namespace {

constexpr std::chrono::seconds kHeartbeat{10};

}  // namespace

ManualRunner::ManualRunner(std::shared_ptr<const config::Config> config,
                           mysql::ConnectionSettings settings, const std::string& host,
                           const std::string& kind)
    : config_(std::move(config)),
      settings_(std::move(settings)),
      pool_(connector_, settings_, 2),
      spool_(config_->scheduler.state_dir + "/runs.spool"),
      log_(config_->scheduler.state_schema),
      instance_(host + ":" + std::to_string(::getpid()) + ":" + kind),
      runner_(pool_, config_->scheduler.state_schema, instance_, spool_) {
  const runlog::InstanceRegistry registry(config_->scheduler.state_schema, instance_);
  {
    auto lease = pool_.acquire();
    registry.register_self(*lease, host, ::getpid(), SQLCRON_VERSION);
  }
  heartbeat_ = std::thread([this, registry] {
    const mysql::Connector::ThreadScope scope(connector_);
    std::unique_lock lock(mutex_);
    while (!stop_cv_.wait_for(lock, kHeartbeat, [&] { return stopping_; })) {
      try {
        registry.heartbeat(*connector_.open(settings_));
      } catch (const mysql::DbError& e) {
        spdlog::warn("heartbeat of {} failed: {}", instance_, e.what());
      }
    }
  });
}

ManualRunner::~ManualRunner() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  heartbeat_.join();
  try {
    auto lease = pool_.acquire();
    runlog::InstanceRegistry(config_->scheduler.state_schema, instance_).mark_stopped(*lease);
  } catch (const mysql::DbError& e) {
    spdlog::warn("could not mark {} stopped: {}", instance_, e.what());
  }
}

exec::RunReport ManualRunner::run(const exec::RunRequest& request,
                                  const std::function<void(std::int64_t)>& on_claimed) {
  RunWatchdog watchdog(connector_, settings_);
  const auto& timeout = request.job_config().timeout;
  auto report = runner_.run(request, [&](std::int64_t run_id, std::uint64_t connection,
                                         std::chrono::system_clock::time_point /*started_at*/) {
    if (timeout) watchdog.arm(*timeout, connection, request.control);
    if (on_claimed) on_claimed(run_id);
  });
  watchdog.done();
  return report;
}

}  // namespace sqlcron::exec
