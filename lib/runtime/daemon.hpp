// Daemon: the event loop of `sqlcrond serve`. One Asio thread owns all scheduling state: a timer
// sleeps until the earliest due slot, the Planner says what is due, runs go to a worker pool (the
// loop never blocks on MySQL), and results come back to the loop. A control thread with its own
// connection (DatabaseWatch) heartbeats, watches the server, kills runs and does bookkeeping.
//
// The rules are in docs/semantics.md: overlap, retries of transient errors with backoff, misfire
// catch-up at start and after the database comes back, pausing while the database is
// unreachable or read-only, wall-clock jumps, timeouts (KILL QUERY, then KILL CONNECTION),
// SIGTERM (grace, then cancel) and SIGHUP (reload; a bad config keeps the old one).
//
// Error contract: run() returns when shut down; it throws only if the event loop itself fails.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "config/job_graph.hpp"
#include "core/planner.hpp"
#include "exec/command_runner.hpp"
#include "exec/job_runner.hpp"
#include "exec/run_request.hpp"
#include "exec/worker_pool.hpp"
#include "http/http_server.hpp"
#include "metrics/metrics.hpp"
#include "mysql/connection_pool.hpp"
#include "mysql/connector.hpp"
#include "runlog/spool.hpp"
#include "runtime/daemon_options.hpp"
#include "runtime/database_watch.hpp"
#include "runtime/dir_watcher.hpp"

namespace sqlcron::runtime {

// Names from the layers below, as Daemon's code uses them.
using exec::CommandRunner;
using exec::JobRunner;
using exec::RunControl;
using exec::RunReport;
using exec::RunRequest;
using exec::WorkerPool;
using http::HealthState;
using http::HttpServer;

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
  struct Plan {
    std::shared_ptr<const config::Config> config;
    std::unique_ptr<core::Planner> planner;
    std::unique_ptr<config::JobGraph> graph;
    std::unordered_map<std::string_view, std::size_t> index;  // job name -> index in config
  };
  static std::unordered_map<std::string_view, std::size_t> index_jobs(const config::Config& c);
  struct ActiveRun {
    std::string job;
    std::uint64_t connection_id = 0;
    std::shared_ptr<RunControl> control;
    bool killed = false;                               // KILL CONNECTION sent
    std::unique_ptr<boost::asio::steady_timer> timer;  // its timeout
    std::chrono::system_clock::time_point started_at{};
    bool start_unrecorded = false;  // batch-claimed: its row learns connection and start later
  };
  struct PendingRetry {
    RunRequest request;
    RunReport previous;  // the attempt that failed: final if this retry is dropped
    std::unique_ptr<boost::asio::steady_timer> timer;
  };

  void arm();
  void on_timer();
  void detect_clock_jump();
  void dispatch(const std::vector<core::Decision>& decisions);
  void start(RunRequest request);
  // Claims the slots of one pass with a single insert (claim thread), then starts the claimed.
  void claim_and_start(std::vector<RunRequest> batch);
  void claim_chunk(std::vector<RunRequest> part);
  void on_started(std::int64_t run_id, std::uint64_t connection_id,
                  std::chrono::system_clock::time_point started_at, const RunRequest& request);
  void record_long_starts();
  void on_finished(const RunRequest& request, const RunReport& report, bool lost_database);
  void schedule_retry(const RunRequest& request, const RunReport& report);
  void wait_for_turn(RunRequest request, const RunReport& report);
  void release(const std::string& job);  // the job's run (with its retries) is over
  [[nodiscard]] std::optional<std::size_t> job_index(const std::string& name) const;
  void on_signal(int signo);
  void begin_shutdown();
  void on_grace_over();
  void maybe_stop();
  void reload();
  void apply(std::shared_ptr<const config::Config> config);
  void check_health(std::chrono::milliseconds after);
  void on_health(const Health& h);
  void catch_up();
  void retry_abandoned(const std::vector<runlog::Claim>& abandoned);
  void kill(std::int64_t run_id, RunControl::Reason why);
  void check_kill_privilege();  // logs (and a metric) when KILLs of DEFINER runs would fail
  void sync_mirror();
  // Pipelines (daemon_pipeline.cpp): what follows a run's final outcome.
  void follow_up(const RunRequest& request, const RunReport& report);
  void start_downstream(std::size_t job, schedule::Instant slot, std::int64_t chain);
  void offer_chain(std::size_t job, schedule::Instant slot, std::int64_t chain);
  void skip_downstream(std::size_t job, schedule::Instant slot, std::int64_t chain,
                       const std::string& reason);
  void fire_hooks(std::size_t job, const std::shared_ptr<const config::FailureInfo>& failure,
                  std::int64_t chain);
  void notify_failure(std::size_t job, const std::shared_ptr<const config::FailureInfo>& failure,
                      std::int64_t chain, int attempt);
  void catch_up_chains(schedule::Instant now);
  void fire_pending_hooks();
  void watch_dirs();
  void rescan_watched();
  void on_file(const std::string& job, const std::string& file);
  void watchdog();
  void report_status();
  void start_http();
  void tick();                               // proves the loop alive to /healthz, once a second
  [[nodiscard]] HealthState health() const;  // HTTP thread
  void update_next_fires(const std::vector<core::Decision>& decisions);
  [[nodiscard]] bool paused() const { return !db_up_ || read_only_; }

  const mysql::Connector& connector_;
  DaemonOptions options_;
  boost::asio::io_context io_;
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer health_timer_;
  boost::asio::steady_timer grace_timer_;
  boost::asio::steady_timer watchdog_timer_;
  boost::asio::steady_timer tick_timer_;
  boost::asio::signal_set signals_;
  Plan plan_;
  runlog::Spool spool_;
  JobRunner runner_;
  DatabaseWatch watch_;  // control thread only
  // How long before a slot's instant the loop wakes to claim it (kLead, more for big batches).
  std::chrono::microseconds lead_{3000};
  // The furthest time the plan has been asked for due slots: a new plan (reload) starts there.
  std::chrono::system_clock::time_point horizon_{};
  std::map<std::int64_t, ActiveRun> active_;
  std::map<std::uint64_t, PendingRetry> retries_;
  // Chain steps offered, so that two upstream jobs finishing together start a step once.
  std::set<std::pair<std::string, schedule::Instant>> chained_;
  std::vector<std::unique_ptr<DirWatcher>> watchers_;
  std::map<std::string, schedule::Instant> last_watch_slot_;
  // Failure hooks (by name) due while the database was away.
  std::vector<std::pair<std::string, core::Slot>> pending_hooks_;
  std::uint64_t next_retry_id_ = 0;
  std::mt19937_64 rng_;
  int in_flight_ = 0;  // dispatched runs and waiting retries not yet over
  bool stopping_ = false;
  bool grace_over_ = false;
  bool forced_ = false;                     // exiting with runs that did not end
  std::atomic<bool> stopping_flag_{false};  // stopping_, for the workers
  bool db_up_ = true;
  bool read_only_ = false;
  std::chrono::milliseconds backoff_;
  std::chrono::steady_clock::time_point down_since_;
  std::chrono::system_clock::time_point last_wall_;
  std::chrono::steady_clock::time_point last_steady_;
  // Observability: metrics are updated from the loop and read by the HTTP thread, which serves
  // /metrics and /healthz on an io_context of its own so that a wedged loop is visible.
  metrics::Metrics metrics_;
  std::atomic<std::int64_t> loop_tick_{0};  // steady-clock ns of the loop's last tick
  std::atomic<bool> db_up_flag_{true};
  std::atomic<bool> read_only_flag_{false};
  std::atomic<std::int64_t> check_posted_{0};  // steady-clock ns a health check was posted; 0: none
  mutable std::mutex health_mutex_;
  std::string db_error_;  // the last health check's error (guarded by health_mutex_)
  boost::asio::io_context http_io_;
  std::unique_ptr<HttpServer> http_;
  std::thread http_thread_;
  WorkerPool control_pool_;
  WorkerPool notify_pool_;  // notify: commands (they block up to their timeout)
  WorkerPool workers_;
  WorkerPool claim_pool_;  // declared last: stopped first, as it hands work to workers_
};

}  // namespace sqlcron::runtime
