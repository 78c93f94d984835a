#include "exec/run_watchdog.hpp"

#include <spdlog/spdlog.h>

#include <string>

#include "exec/run_request.hpp"
#include "mysql/db_error.hpp"
#include "mysql/error_class.hpp"

namespace sqlcron::exec {

void RunWatchdog::arm(std::chrono::milliseconds timeout, std::uint64_t connection,
                      const std::shared_ptr<exec::RunControl>& control) {
  thread_ = std::thread([this, timeout, connection, control] {
    const mysql::Connector::ThreadScope scope(connector_);
    std::unique_lock lock(mutex_);
    if (done_cv_.wait_for(lock, timeout, [&] { return done_; })) return;
    // The whole connection, as the daemon does: a procedure survives KILL QUERY.
    kill("KILL CONNECTION ", connection, *control);
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

void RunWatchdog::kill(const char* what, std::uint64_t connection, exec::RunControl& control) {
  using Reason = exec::RunControl::Reason;
  try {
    auto session = connector_.open(settings_);
    // The id is a number the server gave us, not user input. Sent only while the run's SQL
    // has not ended (RunControl).
    control.kill(Reason::timeout, [&] { session->execute_raw(what + std::to_string(connection)); });
  } catch (const mysql::DbError& e) {
    if (e.code() == mysql::code::kUnknownThread) return;  // the run ended meanwhile
    const auto message = std::string(what) + std::to_string(connection) + " failed: error " +
                         std::to_string(e.code()) + ": " + e.what();
    control.kill_failed(Reason::timeout, message);
    spdlog::error("{}", message);
  }
}

}  // namespace sqlcron::exec
