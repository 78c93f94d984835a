// The subcommands of sqlcrond, one file each. Each returns the process exit code.
#pragma once

#include <optional>
#include <string>

#include "command_context.hpp"

namespace sqlcron::daemon {

int serve_command(const CommandContext& ctx);
int check_config_command(const CommandContext& ctx);
int migrate_command(const CommandContext& ctx);

struct NextOptions {
  std::string schedule;
  std::string timezone = "UTC";
  std::string from;  // RFC 3339; empty = now
  int count = 5;
};
int next_command(const NextOptions& options);

struct RunsOptions {
  std::optional<std::string> job;
  std::optional<std::string> status;
  int limit = 20;
};
int runs_command(const CommandContext& ctx, const RunsOptions& options);

}  // namespace sqlcron::daemon
