// Reading the `database:` section: server, account, password (from a private file, an option file
// or SQLCRON_DB_PASSWORD), default schema, pool and TLS.
//
// Error contract: never throws; problems are recorded in the YamlReader. It reads the password and
// option files it names (refusing ones group or others can read), nothing else.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "config/yaml_reader.hpp"

namespace sqlcron::config {

// `base_dir`: the main file's folder (relative paths); `env_password`: SQLCRON_DB_PASSWORD.
void read_database(YamlReader& r, const YamlNode& db, const std::filesystem::path& base_dir,
                   const std::optional<std::string>& env_password, DatabaseConfig& d);

}  // namespace sqlcron::config
