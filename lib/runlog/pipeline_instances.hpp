// PipelineInstances: the latest pipeline instances of the run log, one row each, as the view
// pipeline_instances (migration 008) has them - for `sqlcrond status --chains --limit N`. The view
// aggregates the whole run log before it can sort; this reads the newest instance ids from the
// chain_run_id index first and aggregates only those, so its cost follows N, not the log.
//
// Error contract: throws mysql::DbError on database failure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mysql/session.hpp"

namespace sqlcron::runlog {

class PipelineInstances {
 public:
  explicit PipelineInstances(const std::string& state_schema);

  // The `limit` newest instances (by root run id), newest first: chain_run_id, root_job, slot,
  // succeeded, failed, skipped, running, failed_job, failed_run_id, error_message - the view's
  // columns of those names and their values.
  [[nodiscard]] mysql::ResultSet latest(mysql::Session& s, int limit) const;

 private:
  // The view's rows for the instances `ids` (those of them that are instances), newest first.
  [[nodiscard]] mysql::ResultSet aggregate(mysql::Session& s,
                                           const std::vector<std::int64_t>& ids) const;

  std::string runs_;
};

}  // namespace sqlcron::runlog
