#include "runtime/systemd_notifier.hpp"

#include <systemd/sd-daemon.h>

#include <cstdint>

namespace sqlcron::runtime {

void SystemdNotifier::notify(const std::string& state) const { sd_notify(0, state.c_str()); }

std::chrono::microseconds SystemdNotifier::watchdog_interval() const {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0) return std::chrono::microseconds(0);
  return std::chrono::microseconds(usec / 2);
}

}  // namespace sqlcron::runtime
