// InstanceRegistry: the `instances` table. Each daemon registers at start, heartbeats while it
// runs and marks itself stopped at exit, so others can tell its open runs were abandoned.
//
// Error contract: throws mysql::DbError on database failure.
#pragma once

#include <functional>
#include <string>

#include "mysql/session.hpp"

namespace sqlcron::runlog {

class InstanceRegistry {
 public:
  InstanceRegistry(const std::string& state_schema, std::string instance);

  [[nodiscard]] const std::string& instance() const { return instance_; }
  void register_self(mysql::Session& s, const std::string& hostname, int pid,
                     const std::string& version) const;
  void heartbeat(mysql::Session& s) const;
  void mark_stopped(mysql::Session& s) const;
  // Earlier instances on `hostname` whose process is gone (`alive(pid)` false) are marked
  // stopped, so that their open runs are abandoned at once rather than after the heartbeat
  // expiry. Returns how many.
  int mark_dead_local(mysql::Session& s, const std::string& hostname,
                      const std::function<bool(int pid)>& alive) const;

 private:
  std::string table_;
  std::string instance_;
};

}  // namespace sqlcron::runlog
