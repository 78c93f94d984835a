// ConfigLoader: reads the main YAML file and every *.yaml of its include directory into a
// validated Config.
//
// Error contract: load() throws ConfigError listing every problem found (file, line, column,
// key, what was expected); it never returns a partly valid Config. It reads files only: no
// database, no network.
#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"

namespace sqlcron::config {

struct LoadOptions {
  // Value of SQLCRON_DB_PASSWORD, if set (passed in so tests need not touch the environment).
  std::optional<std::string> env_password;
  // The instant jobs are taken to be defined at (anchors "every" schedules without "starts").
  schedule::Instant defined_at{};
};

class ConfigLoader {
 public:
  static Config load(const std::string& path, const LoadOptions& options);
};

}  // namespace sqlcron::config
