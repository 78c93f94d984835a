// Daemon: the event loop of `sqlcrond serve`, a thin executor of core::Scheduler. It reads the
// clocks once per event, hands the event to the scheduler and performs the actions it returns
// with Asio: timers, the run launcher (claim thread, workers, run-log writer), the control link
// (its own connection: health, kills, reads), directory watchers, signals, sd_notify. Results
// come back to this loop as events (EventSink), never as calls into the Daemon from other
// threads. The rules are the scheduler's (docs/semantics.md).
//
// Error contract: run() returns when shut down; it throws only if the event loop itself fails.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/scheduler.hpp"
#include "mysql/connection_pool.hpp"
#include "mysql/connector.hpp"
#include "runlog/spool.hpp"
#include "runtime/control_link.hpp"
#include "runtime/daemon_options.hpp"
#include "runtime/run_launcher.hpp"
#include "runtime/status_board.hpp"
#include "runtime/watchers.hpp"

namespace sqlcron::runtime {

class Daemon {
 public:
  Daemon(const mysql::Connector& connector, mysql::ConnectionPool& pool,
         std::shared_ptr<const config::Config> config, DaemonOptions options);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Runs until shut down. False when runs did not end after being killed at the end of the
  // shutdown grace: their workers may still wait on the server, so the caller must end the
  // process without destroying the Daemon (its destructor would wait for them).
  [[nodiscard]] bool run();

 private:
  void feed(const core::Event& event);  // on the loop: the scheduler decides, we perform
  void observe(const core::Event& event, const core::Now& now);  // metrics of what happened
  void perform(const core::Action& action);
  void arm(const core::TimerId& id, std::chrono::steady_clock::duration after);
  void cancel(const core::TimerId& id);
  void kill(const core::action::Kill& k);
  void sync_mirror();
  void next_fires(const std::vector<std::size_t>& jobs);
  void on_signal(int signo);
  void reload();
  void tick();
  void watchdog();

  DaemonOptions options_;
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer watchdog_timer_;
  std::map<core::TimerId, std::unique_ptr<boost::asio::steady_timer>> timers_;
  runlog::Spool spool_;
  StatusBoard board_;
  core::Scheduler scheduler_;
  ControlLink control_;
  Watchers watchers_;
  bool forced_ = false;   // exiting with runs that did not end
  RunLauncher launcher_;  // declared last: its threads stop first
};

}  // namespace sqlcron::runtime
