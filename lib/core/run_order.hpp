// RunOrder and RunReport: one run as the scheduler orders it and as its executor reports it back.
// Plain data, shared by the scheduling core (which decides) and the executor (which runs).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "core/run_outcome.hpp"
#include "core/run_status.hpp"

namespace sqlcron::core {

struct RunOrder {
  std::uint64_t key = 0;  // the scheduler's name for this attempt: events about it carry it
  std::shared_ptr<const config::Config> config;  // keeps the job alive across reloads
  std::size_t job = 0;
  schedule::Instant scheduled_for;
  int attempt = 1;
  RunCause cause = RunCause::schedule;
  std::optional<schedule::Instant> next_fire;  // for the jobs table
  std::optional<std::int64_t> claimed_run_id;  // claimed already (a batch, or waiting its turn)
  std::optional<bool> lease_taken;  // its batch took (or could not take) its overlap lease
  std::int64_t chain_run_id = 0;    // a chain step: its pipeline's root run
  std::shared_ptr<const config::FailureInfo> failure;  // a failure hook: what failed
  // Claimed ahead of its slot: the SQL starts at this instant, not before (kLead).
  std::optional<std::chrono::system_clock::time_point> not_before;

  [[nodiscard]] const config::JobConfig& job_config() const { return config->jobs[job]; }
};

struct RunReport {
  bool claimed = false;  // false: another instance holds the slot; nothing ran
  std::int64_t run_id = 0;
  schedule::Instant scheduled_for{};  // the slot claimed (a failure hook may take a later one)
  RunOutcome outcome;
  bool spooled = false;  // the result went to the spool: the database was lost
  // Not run yet: another run of the job holds its overlap lease (described here), and this one
  // waits for its turn (overlap: queue, a retry, a catch-up). Its row stays claimed.
  std::string overlapped_by;
};

}  // namespace sqlcron::core
