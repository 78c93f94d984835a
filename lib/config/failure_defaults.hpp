// The failure defaults of a pipeline: `scheduler.on_failure` / `scheduler.notify`, and a chain
// root's own `on_failure` / `notify`, given to every job that has none of its own.
//
// A job that writes `on_failure:` (even `[]`) or `notify:` (even `~`) keeps its own. A chain step
// without its own takes its root's - the root reached through the first job of each `after:` -
// when the root has its own; otherwise, like any other job, the scheduler's. A job that is a
// failure hook (named in any on_failure, its own or a default) takes no default: alerts cannot
// loop.
//
// Error contract: never throws; an unknown job in scheduler.on_failure is an issue (then no
// default is applied).
#pragma once

#include <vector>

#include "config/config.hpp"
#include "config/config_error.hpp"

namespace sqlcron::config {

void apply_failure_defaults(const std::string& file, const SchedulerConfig& defaults,
                            std::vector<JobConfig>& jobs, std::vector<ConfigIssue>& issues);

}  // namespace sqlcron::config
