// SystemdNotifier: tells systemd about the service state (Type=notify): READY=1, RELOADING=1,
// STOPPING=1. A no-op when not started by systemd (NOTIFY_SOCKET unset).
#pragma once

#include <string>

namespace sqlcron::runtime {

class SystemdNotifier {
 public:
  void notify(const std::string& state) const;
};

}  // namespace sqlcron::runtime
