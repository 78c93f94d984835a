// claim_state_dir: what `serve` does with scheduler.state_dir before it registers anything in
// the database - lock it for this daemon (runlog::StateDirLock: one daemon per state_dir and its
// spool) and make sure the spool can be written there, so that a full or unwritable state_dir is
// found at start, not when the first result must be spooled.
//
// Error contract: nothing throws except std::bad_alloc. On failure it logs why (naming the
// holder of the lock, or the path and the system's error) and returns the exit code:
// state_dir_busy (75) or cannot_create (73).
#pragma once

#include <optional>
#include <string>

#include "exit_code.hpp"
#include "runlog/state_dir_lock.hpp"

namespace sqlcron::daemon {

// On success `lock` holds the lock (keep it for the daemon's life) and nothing is returned.
std::optional<ExitCode> claim_state_dir(const std::string& dir, const std::string& host,
                                        const std::string& instance,
                                        std::optional<runlog::StateDirLock>& lock);

}  // namespace sqlcron::daemon
