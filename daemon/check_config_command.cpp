#include <fmt/format.h>

#include <iostream>

#include "commands.hpp"
#include "config/config_keys.hpp"

namespace sqlcron::daemon {

namespace {

// The key tables the loader checks against, one line per key: what `config/sqlcron.yaml` and
// docs/configuration.md describe at length.
void print_keys() {
  std::cout << fmt::format("{:<34} {:<30} {:<22} {}\n", "key", "type", "default", "meaning");
  for (const auto& section : config::kConfigSections) {
    for (const auto& key : section.keys) {
      const auto name = section.path.empty() ? std::string(key.name)
                                             : fmt::format("{}.{}", section.path, key.name);
      std::cout << fmt::format("{:<34} {:<30} {:<22} {}\n", name, key.type, key.default_value,
                               key.description);
    }
  }
}

}  // namespace

int check_config_command(const CommandContext& ctx, bool keys) {
  if (keys) {
    print_keys();
    return to_int(ExitCode::ok);
  }
  const auto config = load_config_or_report(ctx.config_path);
  if (!config) return to_int(ExitCode::config);
  std::size_t enabled = 0;
  for (const auto& j : config->jobs) enabled += j.enabled ? 1 : 0;
  std::cout << config->file << ": OK: " << config->jobs.size() << " jobs (" << enabled
            << " enabled), database " << config->database.user << "@"
            << (config->database.socket.empty()
                    ? config->database.host + ":" + std::to_string(config->database.port)
                    : config->database.socket)
            << "/" << config->database.schema << ", state schema " << config->scheduler.state_schema
            << "\n";
  return to_int(ExitCode::ok);
}

}  // namespace sqlcron::daemon
