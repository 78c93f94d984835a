// RunOutcome: how a run ended. A failed job is data, not an exception.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "core/run_status.hpp"

namespace sqlcron::core {

struct RunOutcome {
  RunStatus status = RunStatus::succeeded;
  std::chrono::microseconds duration{0};
  std::int64_t rows_affected = 0;
  int error_code = 0;  // MySQL error number; 0 when none
  std::string sql_state;
  std::string error_message;
};

}  // namespace sqlcron::core
