#include "exec/run_watchdog.hpp"

#include <spdlog/spdlog.h>

#include <string>

#include "exec/run_kill.hpp"
#include "exec/run_request.hpp"
#include "mysql/db_error.hpp"

namespace sqlcron::exec {

void RunWatchdog::arm(std::chrono::milliseconds timeout, std::uint64_t connection,
                      const std::shared_ptr<exec::RunControl>& control) {
  thread_ = std::thread([this, timeout, connection, control] {
    const mysql::Connector::ThreadScope scope(connector_);
    std::unique_lock lock(mutex_);
    if (done_cv_.wait_for(lock, timeout, [&] { return done_; })) return;
    kill(connection, *control);
  });
}

void RunWatchdog::done() {
  {
    const std::lock_guard lock(mutex_);
    done_ = true;
  }
  done_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RunWatchdog::kill(std::uint64_t connection, exec::RunControl& control) {
  try {
    auto session = connector_.open(settings_);
    const auto r = kill_run(control, RunControl::Reason::timeout, connection,
                            [&](const std::string& statement) { session->execute_raw(statement); });
    if (r.kind == KillResult::Kind::refused) spdlog::error("{}", r.message);
  } catch (const mysql::DbError& e) {  // no connection to send it on
    const auto message = "KILL CONNECTION " + std::to_string(connection) +
                         " failed: cannot connect: error " + std::to_string(e.code()) + ": " +
                         e.what();
    control.kill_failed(RunControl::Reason::timeout, message);
    spdlog::error("{}", message);
  }
}

}  // namespace sqlcron::exec
