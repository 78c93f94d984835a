// SystemdNotifier: tells systemd about the service state (Type=notify): READY=1, RELOADING=1,
// STOPPING=1, STATUS=..., WATCHDOG=1. A no-op when not started by systemd (NOTIFY_SOCKET unset).
#pragma once

#include <chrono>
#include <string>

namespace sqlcron::runtime {

class SystemdNotifier {
 public:
  void notify(const std::string& state) const;
  // The interval at which to send WATCHDOG=1 (half of WatchdogSec=), or zero when the service
  // manager expects none.
  [[nodiscard]] std::chrono::microseconds watchdog_interval() const;
};

}  // namespace sqlcron::runtime
