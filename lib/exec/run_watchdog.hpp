// RunWatchdog: enforces a job's timeout for runs started by one-shot commands (run-now,
// backfill), as the daemon does: KILL CONNECTION at the timeout (a procedure survives KILL QUERY).
// One run per watchdog.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "exec/run_control.hpp"
#include "mysql/connection_settings.hpp"
#include "mysql/connector.hpp"

namespace sqlcron::exec {

class RunWatchdog {
 public:
  RunWatchdog(const mysql::Connector& connector, mysql::ConnectionSettings settings)
      : connector_(connector), settings_(std::move(settings)) {}
  ~RunWatchdog() { done(); }
  RunWatchdog(const RunWatchdog&) = delete;
  RunWatchdog& operator=(const RunWatchdog&) = delete;

  // Starts watching the run on `connection`; kills it through `control` (which tells the run
  // why, and never kills once its SQL has ended).
  void arm(std::chrono::milliseconds timeout, std::uint64_t connection,
           const std::shared_ptr<exec::RunControl>& control);
  // The run ended: stop watching.
  void done();

 private:
  void kill(std::uint64_t connection, exec::RunControl& control);

  const mysql::Connector& connector_;
  mysql::ConnectionSettings settings_;
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace sqlcron::exec
