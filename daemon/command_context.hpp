// What every subcommand gets from main: the global options, and helpers shared by subcommands
// to load the config and reach the database the same way.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "exit_code.hpp"
#include "mysql/connection_settings.hpp"

namespace sqlcron::daemon {

struct CommandContext {
  std::string config_path = "/etc/sqlcron/sqlcron.yaml";
};

// Loads and validates the config; throws config::ConfigError. Interval jobs count from now
// until they are given their stored anchors (interval_anchors.hpp).
config::Config read_config(const std::string& path);
std::shared_ptr<const config::Config> load_config(const std::string& path);

// Loads and validates the config. On error prints every problem to stderr and returns nullopt /
// null.
std::optional<config::Config> read_config_or_report(const std::string& path);
std::shared_ptr<const config::Config> load_config_or_report(const std::string& path);

mysql::ConnectionSettings connection_settings(const config::DatabaseConfig& db);

// This machine's host name (instance names, the instances table).
std::string hostname();

}  // namespace sqlcron::daemon
