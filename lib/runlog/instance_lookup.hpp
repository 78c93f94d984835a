// InstanceLookup: finds the pipeline instance a run belongs to - its root run, the root's job and
// slot - from any of its run ids (the root's, a step's, a retry's or a failure hook's) - and
// whether a step of it still runs. Used by `sqlcrond rerun`.
//
// Error contract: throws mysql::DbError on database failure; an unknown run id is nullopt.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "mysql/session.hpp"
#include "schedule/schedule.hpp"

namespace sqlcron::runlog {

struct InstanceRoot {
  std::int64_t instance = 0;  // the root run's id (the instance's chain_run_id)
  std::string job;            // the root run's job
  schedule::Instant slot;     // the root run's scheduled_for: the instance's slot
};

// A run of an instance that is still `running`.
struct RunningStep {
  std::int64_t run_id = 0;
  std::string job;
  std::string instance;  // who runs it ("host:pid[:kind]")
};

class InstanceLookup {
 public:
  explicit InstanceLookup(const std::string& state_schema);
  [[nodiscard]] std::optional<InstanceRoot> find(mysql::Session& s, std::int64_t run_id) const;
  // The first step (failure hooks are no steps) of `instance` whose row is still `running`.
  [[nodiscard]] std::optional<RunningStep> running(mysql::Session& s, std::int64_t instance) const;

 private:
  std::string runs_;
};

}  // namespace sqlcron::runlog
