#include "run_watchdog.hpp"

#include <spdlog/spdlog.h>

#include <string>

#include "mysql/db_error.hpp"
#include "runtime/run_request.hpp"

namespace sqlcron::daemon {

void RunWatchdog::arm(std::chrono::milliseconds timeout, std::uint64_t connection,
                      const std::shared_ptr<std::atomic<int>>& interruption) {
  thread_ = std::thread([this, timeout, connection, interruption] {
    const mysql::Connector::ThreadScope scope(connector_);
    std::unique_lock lock(mutex_);
    if (done_cv_.wait_for(lock, timeout, [&] { return done_; })) return;
    interruption->store(static_cast<int>(runtime::Interruption::timeout));
    kill("KILL QUERY ", connection);
    if (done_cv_.wait_for(lock, kKillGrace, [&] { return done_; })) return;
    kill("KILL CONNECTION ", connection);
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

void RunWatchdog::kill(const char* what, std::uint64_t connection) {
  try {
    // The id is a number the server gave us, not user input.
    connector_.open(settings_)->execute_raw(what + std::to_string(connection));
  } catch (const mysql::DbError& e) {
    if (e.code() != 1094) spdlog::error("{}{} failed: {}", what, connection, e.what());
  }
}

}  // namespace sqlcron::daemon
