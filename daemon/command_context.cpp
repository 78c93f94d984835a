#include "command_context.hpp"

#include <unistd.h>

#include <array>
#include <cstdlib>
#include <iostream>

#include "config/config_error.hpp"
#include "config/config_loader.hpp"

namespace sqlcron::daemon {

config::Config read_config(const std::string& path) {
  config::LoadOptions options;
  if (const char* pw = std::getenv("SQLCRON_DB_PASSWORD")) options.env_password = pw;
  options.defined_at = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return config::ConfigLoader::load(path, options);
}

std::shared_ptr<const config::Config> load_config(const std::string& path) {
  return std::make_shared<const config::Config>(read_config(path));
}

std::optional<config::Config> read_config_or_report(const std::string& path) {
  try {
    return read_config(path);
  } catch (const config::ConfigError& e) {
    for (const auto& issue : e.issues()) std::cerr << issue.to_string() << '\n';
    std::cerr << e.issues().size() << (e.issues().size() == 1 ? " error" : " errors") << " in "
              << path << '\n';
  }
  return std::nullopt;
}

std::shared_ptr<const config::Config> load_config_or_report(const std::string& path) {
  auto config = read_config_or_report(path);
  if (!config) return nullptr;
  return std::make_shared<const config::Config>(std::move(*config));
}

mysql::ConnectionSettings connection_settings(const config::DatabaseConfig& db) {
  mysql::ConnectionSettings s;
  s.host = db.host;
  s.port = db.port;
  s.socket = db.socket;
  s.user = db.user;
  s.password = db.password;
  s.schema = db.schema;
  s.tls_mode = db.tls_mode;
  s.tls_ca = db.tls_ca;
  s.tls_cert = db.tls_cert;
  s.tls_key = db.tls_key;
  return s;
}

std::string hostname() {
  std::array<char, 256> buf{};
  if (::gethostname(buf.data(), buf.size() - 1) != 0) return "unknown";
  return buf.data();
}

}  // namespace sqlcron::daemon
