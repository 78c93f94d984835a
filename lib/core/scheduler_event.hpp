// The events core::Scheduler handles: what happened since it last decided - a timer fired, a
// run was claimed, started or finished, the database was checked, a signal came, the config was
// reloaded, a file arrived, or an answer to one of its queries came back. Plain data.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "core/run_order.hpp"
#include "core/scheduler_timer.hpp"

namespace sqlcron::core {

// The clocks, read once per event by whoever feeds the scheduler.
struct Now {
  std::chrono::system_clock::time_point wall;
  std::chrono::steady_clock::time_point steady;
};

// A run of a dead instance that the health check marked abandoned.
struct AbandonedRun {
  std::string job;
  schedule::Instant scheduled_for;
  int attempt = 1;
  std::int64_t chain_run_id = 0;
  std::int64_t run_id = 0;  // 0: not known (a claim whose reply was lost: it never started)
  RunCause cause = RunCause::schedule;
};

struct HealthReport {
  bool up = false;
  bool read_only = false;
  std::string error;         // why not up
  std::size_t replayed = 0;  // spooled records written back
  std::int64_t purged = 0;   // runs deleted by the retention policy
  std::vector<AbandonedRun> abandoned;
};

namespace event {

struct Begin {};  // the daemon starts: catch up, watch, check, arm
struct TimerFired {
  TimerId timer;
};
struct Tick {};  // once a second: bookkeeping of long-running batch-claimed runs
struct Started {
  std::uint64_t key = 0;
  std::int64_t run_id = 0;
  std::uint64_t connection_id = 0;
  std::chrono::system_clock::time_point started_at;
};
struct Finished {
  RunOrder order;
  RunReport report;
  bool lost_database = false;  // not claimed or not recorded because the database went away
};
// Answer to Claim: the queued slot's row (nullopt: another instance has the slot, or `lost`).
struct Claimed {
  std::uint64_t key = 0;
  std::optional<std::int64_t> run_id;
  bool lost_database = false;
};
struct HealthChecked {
  HealthReport health;
};
// Answer to ReadLastSlots: the latest recorded slot of each job up to `until`.
struct LastSlots {
  schedule::Instant until;
  std::vector<std::pair<std::string, schedule::Instant>> slots;
};
// Answer to ReadPendingChain: slots whose upstream jobs all succeeded but the step has no row.
struct PendingChainSlots {
  std::string step;
  std::vector<std::pair<schedule::Instant, std::int64_t>> slots;  // slot, chain run id
};
// Answer to CheckUpstream, sent only when every upstream job succeeded for the slot.
struct UpstreamDone {
  std::string step;
  schedule::Instant slot;
  std::int64_t chain = 0;
};
// Answer to ResolveInDoubt: the in-doubt claims that had a `running` row, now abandoned.
struct Resolved {
  std::vector<AbandonedRun> abandoned;
};
struct Stop {
  std::string signal;  // SIGTERM or SIGINT
};
struct Reload {
  std::shared_ptr<const config::Config> config;  // validated
};
struct FileArrived {
  std::string job;
  std::string file;  // empty: the watch overflowed, files may have arrived
};

}  // namespace event

using Event = std::variant<event::Begin, event::TimerFired, event::Tick, event::Started,
                           event::Finished, event::Claimed, event::HealthChecked, event::LastSlots,
                           event::PendingChainSlots, event::UpstreamDone, event::Resolved,
                           event::Stop, event::Reload, event::FileArrived>;

}  // namespace sqlcron::core
