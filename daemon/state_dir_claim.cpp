#include "state_dir_claim.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <system_error>

#include "runlog/spool.hpp"

namespace sqlcron::daemon {

std::optional<ExitCode> claim_state_dir(const std::string& dir, const std::string& host,
                                        const std::string& instance,
                                        std::optional<runlog::StateDirLock>& lock) {
  try {
    lock.emplace(dir, host, instance);
    runlog::Spool((std::filesystem::path(dir) / "runs.spool").string()).check_writable();
    return std::nullopt;
  } catch (const runlog::StateDirBusy& e) {
    spdlog::error("{}", e.what());
    lock.reset();
    return ExitCode::state_dir_busy;
  } catch (const std::system_error& e) {
    spdlog::error("scheduler.state_dir {} cannot hold the spool of unwritten results: {}", dir,
                  e.what());
    lock.reset();
    return ExitCode::cannot_create;
  }
}

}  // namespace sqlcron::daemon
