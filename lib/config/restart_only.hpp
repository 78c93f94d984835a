// The keys a running daemon reads only at start (docs/configuration.md): a SIGHUP that changes one
// of them keeps the old value until a restart, and says so.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"

namespace sqlcron::config {

// The restart-only keys whose values differ between `running` and `reloaded` (e.g.
// "database.pool_size"); the password is compared but never shown.
std::vector<std::string> restart_only_changes(const Config& running, const Config& reloaded);

}  // namespace sqlcron::config
