// ControlLink: the daemon's control thread (its own connection, DatabaseWatch) and its notify
// commands. It performs the scheduler's actions that read or write the state schema outside a
// run - health checks, kills, the misfire and chain reads, the jobs mirror, notify commands -
// and hands their results to the loop as scheduler events through the sink. Never waits for a
// job connection: the job pool may be exhausted by long runs.
//
// Error contract: nothing throws to the caller; database errors are logged (and counted where a
// metric says so) and the action is dropped, as the old loop did.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/scheduler_action.hpp"
#include "core/scheduler_event.hpp"
#include "exec/run_control.hpp"
#include "exec/worker_pool.hpp"
#include "metrics/metrics.hpp"
#include "mysql/connection_pool.hpp"
#include "mysql/connector.hpp"
#include "runlog/job_mirror.hpp"
#include "runlog/spool.hpp"
#include "runtime/database_watch.hpp"

namespace sqlcron::runtime {

// Hands an event to the event loop; callable from any thread.
using EventSink = std::function<void(core::Event)>;

class ControlLink {
 public:
  ControlLink(const mysql::Connector& connector, const mysql::ConnectionPool& pool,
              const config::SchedulerConfig& scheduler, std::string instance, runlog::Spool& spool,
              metrics::Metrics& metrics, EventSink sink);

  void check_health();                                      // -> HealthChecked
  void resolve_in_doubt(std::vector<core::RunOrder> runs);  // -> Resolved
  void check_kill_privilege();
  void kill(std::int64_t run_id, std::uint64_t connection_id, exec::RunControl::Reason why,
            std::shared_ptr<exec::RunControl> control);
  void read_last_slots(schedule::Instant until);                     // -> LastSlots
  void read_pending_chain(const core::action::ReadPendingChain& a);  // -> PendingChainSlots
  void check_upstream(const core::action::CheckUpstream& a);         // -> UpstreamDone when all did
  void run_notify(const core::action::RunNotify& a);
  void sync_mirror(std::vector<runlog::JobMirrorEntry> entries,
                   std::shared_ptr<const config::Config> keep);
  // Finishes the queued work, marks the instance stopped, joins the threads.
  void stop();

 private:
  std::string instance_;
  metrics::Metrics& metrics_;
  EventSink sink_;
  DatabaseWatch watch_;  // control thread only
  exec::WorkerPool control_pool_;
  exec::WorkerPool notify_pool_;  // notify commands (they block up to their timeout)
};

}  // namespace sqlcron::runtime
