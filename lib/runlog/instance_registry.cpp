#include "runlog/instance_registry.hpp"

namespace sqlcron::runlog {

InstanceRegistry::InstanceRegistry(std::string state_schema, std::string instance)
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

}  // namespace sqlcron::runlog
