// InstanceLookup: finds the pipeline instance a run belongs to - its root run, the root's job and
// slot - from any of its run ids (the root's, a step's, a retry's or a failure hook's). Used by
// `sqlcrond rerun`.
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

class InstanceLookup {
 public:
  explicit InstanceLookup(const std::string& state_schema);
  [[nodiscard]] std::optional<InstanceRoot> find(mysql::Session& s, std::int64_t run_id) const;

 private:
  std::string runs_;
};

}  // namespace sqlcron::runlog
