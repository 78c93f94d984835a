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
  // A load that found nothing new to load: the chain below it has nothing to do (skipped).
  bool no_new_data = false;
  // A load that left files changing less than `settle` ago: they are ready by `settle` from now,
  // whether or not anything else arrives (a writer's clock a little ahead, a quiet writer).
  bool files_settling = false;
};

// What went wrong, for logs and the CLI: "error 1213 (40001): Deadlock found ...", or only the
// message when there is no error number (a timeout noticed before the server answered: never
// "error 0 ()"), or "no error" when there is neither.
std::string failure_text(const RunOutcome& outcome);

}  // namespace sqlcron::core
