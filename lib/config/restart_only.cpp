#include "config/restart_only.hpp"

namespace sqlcron::config {

std::vector<std::string> restart_only_changes(const Config& running, const Config& reloaded) {
  std::vector<std::string> out;
  const auto check = [&](bool differs, const char* key) {
    if (differs) out.emplace_back(key);
  };
  const auto& a = running.database;
  const auto& b = reloaded.database;
  check(a.host != b.host || a.port != b.port || a.socket != b.socket, "database.host/port/socket");
  check(a.user != b.user || a.password != b.password, "database.user/password");
  check(a.schema != b.schema, "database.schema");
  check(a.pool_size != b.pool_size, "database.pool_size");
  check(a.tls_mode != b.tls_mode || a.tls_ca != b.tls_ca || a.tls_cert != b.tls_cert ||
            a.tls_key != b.tls_key,
        "database.tls");
  const auto& s = running.scheduler;
  const auto& t = reloaded.scheduler;
  check(s.state_schema != t.state_schema, "scheduler.state_schema");
  check(s.max_concurrent_runs != t.max_concurrent_runs, "scheduler.max_concurrent_runs");
  check(s.state_dir != t.state_dir, "scheduler.state_dir");
  check(s.heartbeat_interval != t.heartbeat_interval, "scheduler.heartbeat_interval");
  const auto& h = running.http;
  const auto& i = reloaded.http;
  check(h.enabled != i.enabled || h.address != i.address || h.port != i.port, "http.listen");
  return out;
}

}  // namespace sqlcron::config
