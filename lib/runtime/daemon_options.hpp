// DaemonOptions: what `sqlcrond serve` hands the daemon besides the config: its instance name,
// how to reload, how to talk to systemd, and the timings tests shorten. A plain struct.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "config/config.hpp"

namespace sqlcron::runtime {

struct DaemonOptions {
  std::string instance;
  // Re-reads the config for SIGHUP; throws config::ConfigError when it is invalid.
  std::function<std::shared_ptr<const config::Config>()> reload;
  // sd_notify: READY=1, RELOADING=1, STOPPING=1, STATUS=..., WATCHDOG=1.
  std::function<void(const std::string& state)> notify;
  // Send WATCHDOG=1 this often from the event loop (zero: systemd expects no pings). A wedged
  // loop stops pinging and systemd restarts the service.
  std::chrono::microseconds watchdog_interval{0};
  std::chrono::milliseconds heartbeat_interval{std::chrono::seconds(10)};
  // After the KILLs at the end of the shutdown grace, how long runs may take to end before the
  // daemon exits anyway.
  std::chrono::milliseconds kill_grace{std::chrono::seconds(5)};
  // Reconnect backoff while the database is unreachable: doubles from min to max.
  std::chrono::milliseconds reconnect_min{std::chrono::milliseconds(500)};
  std::chrono::milliseconds reconnect_max{std::chrono::seconds(5)};
};

}  // namespace sqlcron::runtime
