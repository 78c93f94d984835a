#include <iostream>

#include "commands.hpp"

namespace sqlcron::daemon {

int check_config_command(const CommandContext& ctx) {
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
