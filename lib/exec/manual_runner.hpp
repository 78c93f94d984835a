// ManualRunner: runs jobs from a one-shot command (run-now, backfill, rerun) through the daemon's
// own JobRunner - claimed in the run log, the overlap rule kept (it waits for its turn), arguments
// bound, the job's timeout enforced, the result recorded (or spooled) - without the daemon. It
// registers as an instance ("host:pid:kind") and heartbeats while it lives, so that running daemons
// do not take its runs for abandoned ones.
//
// Error contract: the constructor and run() throw mysql::DbError when the database is
// unreachable (nothing ran then).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "config/config.hpp"
#include "exec/interrupts.hpp"
#include "exec/job_runner.hpp"
#include "mysql/connection_pool.hpp"
#include "mysql/connection_settings.hpp"
#include "mysql/connector.hpp"
#include "runlog/run_log.hpp"
#include "runlog/spool.hpp"

namespace sqlcron::exec {

class ManualRunner {
 public:
  // `settings`: how to reach the database; `host`: this machine (the instances row); `kind`:
  // what runs it, e.g. "backfill" (part of the instance name).
  ManualRunner(std::shared_ptr<const config::Config> config, mysql::ConnectionSettings settings,
               const std::string& host, const std::string& kind);
  ~ManualRunner();
  ManualRunner(const ManualRunner&) = delete;
  ManualRunner& operator=(const ManualRunner&) = delete;

  // Runs `request` to its end; `on_claimed` gets the run id once the run starts. While another
  // run of the job holds its overlap lease (a daemon's run, another command's) the run keeps its
  // claimed row and waits for its turn, polling every 500 ms.
  exec::RunReport run(const exec::RunRequest& request,
                      const std::function<void(std::int64_t)>& on_claimed = {});
  // A session for reading the run log between runs.
  mysql::ConnectionPool::Lease session() { return pool_.acquire(); }
  [[nodiscard]] const runlog::RunLog& log() const { return log_; }
  [[nodiscard]] const exec::JobRunner& runner() const { return runner_; }
  // This process's instance name ("host:pid:kind").
  [[nodiscard]] const std::string& instance() const { return instance_; }
  // A SIGINT or SIGTERM arrived: start nothing more (the run in progress ends and is recorded;
  // a second signal kills it, recorded `cancelled`).
  [[nodiscard]] bool interrupted() const { return interrupts_.count() > 0; }

 private:
  // The second signal: KILL the run in progress (its connection), as at the daemon's shutdown.
  void kill_current();

  Interrupts interrupts_{[this] { kill_current(); }};  // first: before any other thread starts
  std::shared_ptr<const config::Config> config_;
  mysql::Connector connector_;
  mysql::ConnectionSettings settings_;
  mysql::ConnectionPool pool_;
  runlog::Spool spool_;
  runlog::RunLog log_;
  std::string instance_;
  exec::JobRunner runner_;
  std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread heartbeat_;
  // The run in progress, for kill_current(): its control and connection (0: none).
  std::mutex current_mutex_;
  std::shared_ptr<RunControl> current_control_;
  std::uint64_t current_connection_ = 0;
};

}  // namespace sqlcron::exec
