// RunContext: the facts about one run that job arguments may refer to with placeholders.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "schedule/schedule.hpp"

namespace sqlcron::config {

// The final failure of another job that a failure hook (or a notify command) reports.
struct FailureInfo {
  std::string job;
  std::int64_t run_id = 0;
  std::string status;  // failed | timed_out
  int error_code = 0;
  std::string sql_state;
  std::string error_message;
  schedule::Instant scheduled_for;
};

struct RunContext {
  std::string job;
  schedule::Instant scheduled_for;
  std::int64_t run_id = 0;
  int attempt = 1;
  std::optional<schedule::Instant> last_success;  // scheduled_for of the last succeeded run
  const FailureInfo* failure = nullptr;           // set for failure-hook runs and notify
  std::int64_t chain_run_id = 0;  // its pipeline instance (0: it is a root, its own run)
};

}  // namespace sqlcron::config
