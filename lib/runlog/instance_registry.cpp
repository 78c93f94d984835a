#include "runlog/instance_registry.hpp"

namespace sqlcron::runlog {

InstanceRegistry::InstanceRegistry(const std::string& state_schema, std::string instance)
    : table_(mysql::quote_identifier(state_schema) + ".instances"),
      instance_(std::move(instance)) {}

void InstanceRegistry::register_self(mysql::Session& s, const std::string& hostname, int pid,
                                     const std::string& version) const {
  s.execute("INSERT INTO " + table_ +
                " (instance, hostname, pid, version, started_at, heartbeat_at)"
                " VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))"
                " ON DUPLICATE KEY UPDATE heartbeat_at = VALUES(heartbeat_at), stopped_at = NULL",
            {instance_, hostname, static_cast<std::int64_t>(pid), version});
}

void InstanceRegistry::heartbeat(mysql::Session& s) const {
  s.execute("UPDATE " + table_ + " SET heartbeat_at = UTC_TIMESTAMP(6) WHERE instance = ?",
            {instance_});
}

void InstanceRegistry::mark_stopped(mysql::Session& s) const {
  s.execute("UPDATE " + table_ + " SET stopped_at = UTC_TIMESTAMP(6) WHERE instance = ?",
            {instance_});
}

int InstanceRegistry::mark_dead_local(mysql::Session& s, const std::string& hostname,
                                      const std::function<bool(int pid)>& alive) const {
  int n = 0;
  const auto rs = s.query("SELECT instance, pid FROM " + table_ +
                              " WHERE hostname = ? AND stopped_at IS NULL AND instance <> ?",
                          {hostname, instance_});
  for (const auto& row : rs.rows) {
    if (alive(std::stoi(row[1].value_or("0")))) continue;
    s.execute("UPDATE " + table_ + " SET stopped_at = UTC_TIMESTAMP(6) WHERE instance = ?",
              {row[0].value_or("")});
    ++n;
  }
  return n;
}

}  // namespace sqlcron::runlog
