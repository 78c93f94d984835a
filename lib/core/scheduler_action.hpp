// The actions core::Scheduler returns: what its executor must do. Each that has a result comes
// back as an event (scheduler_event.hpp): Start -> Started/Finished, GiveUp -> Finished,
// ArmTimer -> TimerFired, CheckHealth -> HealthChecked, the reads -> their answers.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "core/run_order.hpp"
#include "core/scheduler_timer.hpp"

namespace sqlcron::core {

enum class StopReason { timeout, shutdown };
enum class LogLevel { info, warn, error };

namespace action {

// Claim and run these (several: claimed with one insert). Each ends in a Finished event; a
// claimed one that starts its SQL sends Started first.
struct Start {
  std::vector<RunOrder> runs;
};
// Claim the row of a slot that waits for the job's running run (queued): the slot is then
// recorded, whatever becomes of this daemon. Claimed follows.
struct Claim {
  core::RunOrder run;
};
// Write the `skipped` row of a slot that does not run (never waits for a job connection).
struct RecordSkip {
  RunOrder run;
  std::string reason;
};
// A claimed run (claimed_run_id) that will not start: finish its row as skipped; Finished follows.
struct GiveUp {
  RunOrder run;
  std::string reason;
};
// KILL CONNECTION of a running run, unless its SQL has ended.
struct Kill {
  std::uint64_t key = 0;
  std::int64_t run_id = 0;
  std::uint64_t connection_id = 0;
  StopReason reason = StopReason::timeout;
};
// Write where and when a batch-claimed run that is still running started.
struct RecordStarted {
  std::int64_t run_id = 0;
  std::uint64_t connection_id = 0;
  std::chrono::system_clock::time_point started_at;
};
struct ArmTimer {  // re-arming a timer replaces it
  TimerId timer;
  std::chrono::steady_clock::duration after;
};
struct CancelTimer {
  TimerId timer;
};
struct CheckHealth {};
// Claims whose reply was lost (the insert may have committed): abandon their rows if they
// exist and are `running`; Resolved follows.
struct ResolveInDoubt {
  std::vector<core::RunOrder> runs;
};
struct CheckKillPrivilege {};
struct ReadLastSlots {
  schedule::Instant until;
};
struct ReadPendingChain {
  std::string step;
  std::vector<std::string> upstream;
  schedule::Instant since;
};
struct CheckUpstream {
  std::string step;
  std::vector<std::string> upstream;
  schedule::Instant slot;
  std::int64_t chain = 0;
};
// Run a job's notify command (argv rendered) with this environment and record its result.
struct RunNotify {
  std::vector<std::string> argv;
  std::vector<std::string> env;
  std::chrono::milliseconds timeout{0};
  std::shared_ptr<const config::FailureInfo> failure;
};
struct Log {
  LogLevel level = LogLevel::info;
  std::string text;
};
struct SystemdNotify {  // READY=1, RELOADING=1, STOPPING=1, STATUS=...
  std::string state;
};
struct SyncMirror {};  // write the jobs table from the current plan
struct WatchDirs {};   // (re)create the watchers of the current config's watched directories
struct Rescan {     // list the watched directories: a FileArrived (after settle) per job with files
  std::string job;  // only this job's directory; empty: every one
};
struct NextFires {  // the next fire of these jobs changed (empty: of every job)
  std::vector<std::size_t> jobs;
};
struct Exit {
  bool forced = false;  // runs did not end after being killed: do not wait for their workers
};

}  // namespace action

using Action =
    std::variant<action::Start, action::Claim, action::RecordSkip, action::GiveUp, action::Kill,
                 action::RecordStarted, action::ArmTimer, action::CancelTimer, action::CheckHealth,
                 action::ResolveInDoubt, action::CheckKillPrivilege, action::ReadLastSlots,
                 action::ReadPendingChain, action::CheckUpstream, action::RunNotify, action::Log,
                 action::SystemdNotify, action::SyncMirror, action::WatchDirs, action::Rescan,
                 action::NextFires, action::Exit>;

}  // namespace sqlcron::core
