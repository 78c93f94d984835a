#include "exec/manual_runner.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <future>
#include <thread>

#include "exec/run_kill.hpp"
#include "exec/run_watchdog.hpp"
#include "mysql/db_error.hpp"
#include "runlog/instance_registry.hpp"

namespace sqlcron::exec {

namespace {

constexpr std::chrono::seconds kHeartbeat{10};
constexpr std::chrono::milliseconds kTurnPoll{500};  // as the daemon's queued runs

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
  interrupts_.stop();  // its thread calls kill_current(): never once members are going
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
  auto r = request;
  for (;;) {
    RunWatchdog watchdog(connector_, settings_);
    const auto& timeout = r.job_config().timeout;
    auto report = runner_.run(r, [&](std::int64_t run_id, std::uint64_t connection,
                                     std::chrono::system_clock::time_point /*started_at*/) {
      {
        const std::lock_guard lock(current_mutex_);
        current_control_ = r.control;
        current_connection_ = connection;
      }
      if (timeout) watchdog.arm(*timeout, connection, r.control);
      if (on_claimed) on_claimed(run_id);
    });
    watchdog.done();
    {
      const std::lock_guard lock(current_mutex_);
      current_control_.reset();
      current_connection_ = 0;
    }
    if (!report.claimed || report.overlapped_by.empty()) return report;
    if (interrupted()) {
      // Waiting for its turn when the operator interrupted: its claimed row is finished as
      // skipped, never left running.
      r.claimed_run_id = report.run_id;
      std::promise<RunReport> done;
      runner_.give_up(r, "interrupted (a signal) while waiting for its turn",
                      [&done](const RunReport& rep) { done.set_value(rep); });
      return done.get_future().get();
    }
    // Another run of the job holds its overlap lease: this one keeps its claimed row (this
    // process heartbeats, so no daemon abandons it) and starts when that run has ended.
    if (!r.claimed_run_id) {
      spdlog::info("run {} of {} waits for its turn: {}", report.run_id, r.job_config().name,
                   report.overlapped_by);
    }
    r.claimed_run_id = report.run_id;
    r.scheduled_for = report.scheduled_for;
    r.control = std::make_shared<RunControl>();
    std::this_thread::sleep_for(kTurnPoll);
  }
}

void ManualRunner::kill_current() {
  std::shared_ptr<RunControl> control;
  std::uint64_t connection = 0;
  {
    const std::lock_guard lock(current_mutex_);
    control = current_control_;
    connection = current_connection_;
  }
  if (!control || connection == 0) return;  // between runs: the command stops before the next
  try {
    const mysql::Connector::ThreadScope scope(connector_);
    auto session = connector_.open(settings_);
    const auto r = kill_run(*control, RunControl::Reason::shutdown, connection,
                            [&](const std::string& statement) { session->execute_raw(statement); });
    if (r.kind == KillResult::Kind::refused) spdlog::error("{}", r.message);
  } catch (const mysql::DbError& e) {
    control->kill_failed(RunControl::Reason::shutdown,
                         std::string("cannot connect to kill it: ") + e.what());
    spdlog::error("cannot kill the run in progress: {}", e.what());
  }
}

}  // namespace sqlcron::exec
