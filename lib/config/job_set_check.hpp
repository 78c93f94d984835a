// The checks across all jobs of the config: names unique over all files; after: and on_failure:
// name existing jobs; chains have no cycle; every job has a way to start; a join (several after:
// jobs) can fire: its upstream jobs descend from roots with the same slots.
//
// Error contract: never throws; adds an issue per problem to `issues`. The chain checks run only
// when `issues` is empty (names must be known and unique first).
#pragma once

#include <vector>

#include "config/config.hpp"
#include "config/config_error.hpp"

namespace sqlcron::config {

void check_job_set(const std::vector<JobConfig>& jobs, std::vector<ConfigIssue>& issues);

}  // namespace sqlcron::config
