// RunLauncher: performs the scheduler's run actions - claims slots (one insert for the slots of
// a pass, on the claim thread), runs them on the worker pool, writes skipped rows - and hands
// what became of each run to the loop as scheduler events (Started, Finished) through the sink.
// The loop thread calls it; the interrupt handle of each run (exec::RunControl) lives from its
// Start until its Finished event has been taken (forget()).
//
// Error contract: nothing throws to the caller. A slot that cannot be claimed (no database)
// comes back as Finished with lost_database.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/scheduler_event.hpp"
#include "exec/job_runner.hpp"
#include "exec/worker_pool.hpp"
#include "runtime/control_link.hpp"

namespace sqlcron::runtime {

class RunLauncher {
 public:
  RunLauncher(const mysql::Connector& connector, mysql::ConnectionPool& pool,
              const config::Config& config, const std::string& instance, runlog::Spool& spool,
              EventSink sink);

  void start(std::vector<core::RunOrder> orders);
  void claim(const core::RunOrder& order);  // -> Claimed
  void skip(const core::RunOrder& order, const std::string& reason) const;
  void give_up(const core::RunOrder& order, const std::string& reason);
  void record_started(const core::action::RecordStarted& a) const;
  // The interrupt handle of a run between its Start and its Finished (nullptr otherwise).
  [[nodiscard]] std::shared_ptr<exec::RunControl> control(std::uint64_t key) const;
  void forget(std::uint64_t key) { controls_.erase(key); }
  // No new runs: slots waiting for a worker are given up (their claimed rows finished).
  void stopping() { stopping_ = true; }
  void stop();  // joins the threads (after the claim thread, the workers)

 private:
  exec::RunRequest request(core::RunOrder order);
  void claim_chunk(std::vector<exec::RunRequest> part);
  void run(exec::RunRequest request);
  void finished(const exec::RunRequest& request, const exec::RunReport& report, bool lost) const;

  exec::JobRunner runner_;
  EventSink sink_;
  std::map<std::uint64_t, std::shared_ptr<exec::RunControl>> controls_;  // loop thread only
  std::atomic<bool> stopping_{false};
  exec::WorkerPool workers_;
  exec::WorkerPool claim_pool_;  // declared last: stopped first, as it hands work to workers_
};

}  // namespace sqlcron::runtime
