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

namespace sqlcron::runtime {

// Why the daemon interrupted a run (set before it kills the run's query).
enum class Interruption : int { none = 0, timeout = 1, shutdown = 2 };

struct RunRequest {
  std::shared_ptr<const config::Config> config;  // keeps the job alive across reloads
  std::size_t job = 0;
  schedule::Instant scheduled_for;
  int attempt = 1;
  core::RunCause cause = core::RunCause::schedule;
  std::optional<schedule::Instant> next_fire;  // for the jobs table
  std::shared_ptr<std::atomic<int>> interruption = std::make_shared<std::atomic<int>>(0);
  // Set by the worker when the SQL has ended, before the connection goes back to the pool: from
  // then on the run's connection id may belong to another run, and nothing may kill it.
  std::shared_ptr<std::atomic<bool>> sql_ended = std::make_shared<std::atomic<bool>>(false);
  std::optional<std::int64_t> claimed_run_id;          // claimed already, in a batch
  std::int64_t chain_run_id = 0;                       // a chain step: its pipeline's root run
  std::shared_ptr<const config::FailureInfo> failure;  // a failure hook: what failed
  // Claimed ahead of its slot: the SQL starts at this instant, not before (see Daemon::kLead).
  std::optional<std::chrono::system_clock::time_point> not_before;

  [[nodiscard]] const config::JobConfig& job_config() const { return config->jobs[job]; }
};

}  // namespace sqlcron::runtime
