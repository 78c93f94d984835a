// FailureFollowUp: what a run's final outcome sets off, whatever started the run (the schedule, a
// retry, a chain, a watch, run-now, backfill or rerun): the one rule for failure hooks, notify
// commands and the skip reason of the steps below it (docs/pipelines.md). The daemon's
// Scheduler and the one-shot commands (exec::ManualPipeline) both ask it, so they cannot differ.
//
// Error contract: pure; never throws (beyond std::bad_alloc).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/job_graph.hpp"
#include "core/run_order.hpp"
#include "core/scheduler_action.hpp"

namespace sqlcron::core {

struct FailureFollowUp {
  std::shared_ptr<const config::FailureInfo> failure;
  std::int64_t chain = 0;                   // the pipeline instance the hooks belong to
  std::string skip_reason;                  // recorded for every step below the failed one
  std::vector<std::size_t> hooks;           // on_failure jobs to run (enabled ones)
  std::vector<std::string> disabled_hooks;  // on_failure jobs that are disabled: a warning
  std::optional<action::RunNotify> notify;  // the job's notify command, rendered
};

// True for the outcomes that end a run for good and fire its hooks: failed and timed out
// (a cancelled run - a shutdown - fires nothing).
bool is_final_failure(RunStatus status);

// The follow-up of `order`'s final outcome `report` in `config` (`graph` built from it), or
// nullopt when nothing follows (it succeeded, or was cancelled). A failure hook that fails fires
// no hooks and no notify itself (alerts cannot loop). `instance` goes into the notify
// environment.
std::optional<FailureFollowUp> failure_follow_up(const config::Config& config,
                                                 const config::JobGraph& graph,
                                                 const RunOrder& order, const RunReport& report,
                                                 const std::string& instance);

}  // namespace sqlcron::core
