// RunWatchdog: enforces a job's timeout for runs started by one-shot commands (run-now,
// backfill), as the daemon does: KILL QUERY at the timeout, KILL CONNECTION a grace later. One
// run per watchdog.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "mysql/connection_settings.hpp"
#include "mysql/connector.hpp"

namespace sqlcron::daemon {

class RunWatchdog {
 public:
  static constexpr std::chrono::seconds kKillGrace{5};

  RunWatchdog(const mysql::Connector& connector, mysql::ConnectionSettings settings)
      : connector_(connector), settings_(std::move(settings)) {}
  ~RunWatchdog() { done(); }
  RunWatchdog(const RunWatchdog&) = delete;
  RunWatchdog& operator=(const RunWatchdog&) = delete;

  // Starts watching the run on `connection`; sets `interruption` before killing it.
  void arm(std::chrono::milliseconds timeout, std::uint64_t connection,
           const std::shared_ptr<std::atomic<int>>& interruption);
  // The run ended: stop watching.
  void done();

 private:
  void kill(const char* what, std::uint64_t connection);

  const mysql::Connector& connector_;
  mysql::ConnectionSettings settings_;
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace sqlcron::daemon
