#include "runtime/systemd_notifier.hpp"

#include <systemd/sd-daemon.h>

namespace sqlcron::runtime {

void SystemdNotifier::notify(const std::string& state) const { sd_notify(0, state.c_str()); }

}  // namespace sqlcron::runtime
