// kill_run: the one way a run is stopped - KILL CONNECTION of its connection, sent through its
// RunControl (so only while its SQL runs), with the server's refusal remembered for its row. Used
// by the daemon's control link (timeouts, shutdown) and by the watchdog of run-now/backfill.
//
// Error contract: never throws for the KILL itself; what happened is the result. `send` runs the
// statement (on a connection of the caller's) and may throw mysql::DbError.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "exec/run_control.hpp"

namespace sqlcron::exec {

struct KillResult {
  enum class Kind { sent, ended, refused };  // ended: the run's SQL was over before the KILL
  Kind kind = Kind::ended;
  int error_code = 0;   // refused: the server's error (1095: CONNECTION ADMIN is missing)
  std::string message;  // refused: "KILL CONNECTION n failed: error e: ..."
};

KillResult kill_run(RunControl& control, RunControl::Reason why, std::uint64_t connection,
                    const std::function<void(const std::string& statement)>& send);

}  // namespace sqlcron::exec
