// Daemon: the event loop of `sqlcrond serve`. One Asio thread owns all scheduling state: a timer
// sleeps until the earliest due slot (no polling), the Planner says what is due, runs go to a
// worker pool (the loop never blocks on MySQL), and completions come back to the loop.
// A control thread with its own connection does heartbeats, kills and bookkeeping.
//
// Signals: SIGTERM/SIGINT stop firing, let runs finish up to shutdown_grace, then kill them
// (recorded cancelled). SIGHUP reloads the config: an invalid one is logged and ignored; a valid
// one replaces the job set without losing or repeating a slot.
//
// Error contract: run() returns when shut down; it throws only if the event loop itself fails.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "core/planner.hpp"
#include "mysql/connection_pool.hpp"
#include "mysql/connector.hpp"
#include "runtime/job_runner.hpp"
#include "runtime/run_request.hpp"
#include "runtime/worker_pool.hpp"

namespace sqlcron::runtime {

struct DaemonOptions {
  std::string instance;
  // Re-reads the config for SIGHUP; throws config::ConfigError when it is invalid.
  std::function<std::shared_ptr<const config::Config>()> reload;
  // Called once the loop is ready to fire (sd_notify READY=1).
  std::function<void(const std::string& state)> notify;
  std::chrono::seconds heartbeat_interval{10};
  // After KILL QUERY, how long a run may take to end before its connection is killed.
  std::chrono::milliseconds kill_grace{std::chrono::seconds(5)};
};

class Daemon {
 public:
  Daemon(const mysql::Connector& connector, mysql::ConnectionPool& pool,
         std::shared_ptr<const config::Config> config, DaemonOptions options);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  void run();

 private:
  struct Plan {
    std::shared_ptr<const config::Config> config;
    std::unique_ptr<core::Planner> planner;
  };
  struct ActiveRun {
    std::string job;
    std::uint64_t connection_id = 0;
    std::shared_ptr<std::atomic<int>> interruption;
    bool killed = false;                               // KILL QUERY sent
    std::unique_ptr<boost::asio::steady_timer> timer;  // timeout, then kill escalation
  };

  void arm();
  void on_timer();
  void dispatch(const std::vector<core::Decision>& decisions);
  void on_started(std::int64_t run_id, std::uint64_t connection_id, const RunRequest& request);
  void on_finished(const std::string& job, std::int64_t run_id);
  void on_signal(int signo);
  void begin_shutdown();
  void on_grace_over();
  void maybe_stop();
  void reload();
  void apply(std::shared_ptr<const config::Config> config);
  void heartbeat();
  // KILL QUERY the run's connection; KILL CONNECTION if it was already killed once.
  void kill(std::int64_t run_id);
  void sync_mirror();
  mysql::Session& control_session();  // control thread only

  const mysql::Connector& connector_;
  mysql::ConnectionPool& pool_;
  DaemonOptions options_;
  boost::asio::io_context io_;
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer heartbeat_timer_;
  boost::asio::steady_timer grace_timer_;
  boost::asio::signal_set signals_;
  Plan plan_;
  JobRunner runner_;
  std::map<std::int64_t, ActiveRun> active_;
  int in_flight_ = 0;  // dispatched runs not yet finished (claimed or not)
  bool stopping_ = false;
  bool grace_over_ = false;
  std::unique_ptr<mysql::Session> control_;  // used on the control thread only
  WorkerPool control_pool_;
  WorkerPool workers_;
};

}  // namespace sqlcron::runtime
