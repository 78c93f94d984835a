// RunRequest: one run to execute, as handed from the event loop to a worker thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "config/config.hpp"
#include "core/run_status.hpp"
#include "exec/run_control.hpp"

namespace sqlcron::exec {

struct RunRequest {
  std::shared_ptr<const config::Config> config;  // keeps the job alive across reloads
  std::size_t job = 0;
  schedule::Instant scheduled_for;
  int attempt = 1;
  core::RunCause cause = core::RunCause::schedule;
  std::optional<schedule::Instant> next_fire;  // for the jobs table
  // Kills of this run: ended by the worker when the SQL has ended, before the connection goes
  // back to the pool (from then on its connection id may belong to another run).
  std::shared_ptr<RunControl> control = std::make_shared<RunControl>();
  std::optional<std::int64_t> claimed_run_id;  // claimed already, in a batch
  std::optional<bool> lease_taken;  // its batch took (or could not take) its overlap lease
  std::int64_t chain_run_id = 0;    // a chain step: its pipeline's root run
  std::shared_ptr<const config::FailureInfo> failure;  // a failure hook: what failed
  // Claimed ahead of its slot: the SQL starts at this instant, not before (see Daemon::kLead).
  std::optional<std::chrono::system_clock::time_point> not_before;

  [[nodiscard]] const config::JobConfig& job_config() const { return config->jobs[job]; }
};

}  // namespace sqlcron::exec
