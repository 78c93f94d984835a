// Daemon, part 3: kills, signals, shutdown and reload (daemon.hpp).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <csignal>

#include "config/config_error.hpp"
#include "config/restart_only.hpp"
#include "core/misfire_policy.hpp"
#include "core/retry_policy.hpp"
#include "mysql/db_error.hpp"
#include "runtime/daemon.hpp"
#include "runtime/daemon_timing.hpp"

namespace sqlcron::runtime {

using namespace daemon_detail;  // NOLINT(google-build-using-namespace): the daemon's own timings

// --- kills, signals, shutdown, reload ---------------------------------------------------------

void Daemon::check_kill_privilege() {
  control_pool_.post([this] {
    try {
      const bool granted = watch_.may_kill_any_thread();
      metrics_.set_kill_privilege(granted);
      if (!granted) {
        spdlog::error(
            "this account may not kill other users' threads: timeouts and shutdown cannot stop "
            "runs of SQL SECURITY DEFINER procedures of another definer. Grant CONNECTION ADMIN "
            "(MariaDB 10.5+) or CONNECTION_ADMIN (MySQL 8) on *.* (docs/security.md)");
      }
    } catch (const mysql::DbError& e) {
      spdlog::warn("cannot check whether this account may kill runs: {}", e.what());
    }
  });
}

void Daemon::kill(std::int64_t run_id, RunControl::Reason why) {
  const auto it = active_.find(run_id);
  if (it == active_.end()) return;
  auto& run = it->second;
  // Once: its connection may already serve another run after the SQL ended.
  if (run.killed || run.control->ended()) return;
  run.killed = true;
  // The whole connection, for a timeout as at shutdown: a procedure survives KILL QUERY (only
  // its current statement ends) and could go on to commit work after it was to be stopped.
  control_pool_.post([this, run_id, connection_id = run.connection_id, why, control = run.control] {
    try {
      // Sent only while the run's SQL has not ended; the worker waits for it (RunControl).
      if (control->kill(why, [&] { watch_.kill(connection_id, true); })) {
        spdlog::warn("run {}: KILL CONNECTION {}", run_id, connection_id);
      }
    } catch (const mysql::DbError& e) {
      if (e.code() == 1094) return;  // unknown thread id: the run ended meanwhile
      // 1095 "not owner of thread": a SQL SECURITY DEFINER procedure's thread belongs to its
      // definer, and this account lacks CONNECTION ADMIN. The run goes on; its row will say
      // what really happened, with this in its message.
      const auto message = "KILL CONNECTION " + std::to_string(connection_id) + " failed: error " +
                           std::to_string(e.code()) + ": " + e.what();
      control->kill_failed(why, message);
      metrics_.kill_failed();
      spdlog::error("run {}: {}{}", run_id, message,
                    e.code() == 1095 ? " (the account needs CONNECTION ADMIN to kill runs of "
                                       "SQL SECURITY DEFINER procedures: docs/security.md)"
                                     : "");
    }
  });
}

void Daemon::on_signal(int signo) {
  if (signo == SIGHUP) {
    reload();
  } else if (!stopping_) {
    spdlog::info("received {}: no new runs; waiting up to {:.0f} s for {} running",
                 signo == SIGTERM ? "SIGTERM" : "SIGINT",
                 seconds_of(plan_.config->scheduler.shutdown_grace), active_.size());
    begin_shutdown();
  } else {
    spdlog::info("received another stop signal; still waiting for {} runs", active_.size());
  }
  if (!io_.stopped()) {
    signals_.async_wait([this](const boost::system::error_code& ec, int s) {
      if (!ec) on_signal(s);
    });
  }
}

void Daemon::begin_shutdown() {
  stopping_ = true;
  stopping_flag_ = true;
  if (options_.notify) options_.notify("STOPPING=1");
  report_status();
  watchdog_timer_.cancel();
  timer_.cancel();
  health_timer_.cancel();
  for (auto& [id, retry] : retries_) retry.timer->cancel();  // their handlers release the jobs
  grace_timer_.expires_after(plan_.config->scheduler.shutdown_grace);
  grace_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) on_grace_over();
  });
  maybe_stop();
}

void Daemon::on_grace_over() {
  if (in_flight_ == 0) return;
  grace_over_ = true;
  spdlog::warn("shutdown grace over; cancelling {} running runs", active_.size());
  std::vector<std::int64_t> ids;
  for (auto& [id, run] : active_) ids.push_back(id);
  for (const auto id : ids) kill(id, RunControl::Reason::shutdown);
  grace_timer_.expires_after(options_.kill_grace);
  grace_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    // Their workers may wait on a server that does not answer (frozen, partitioned): they are
    // not waited for. Their rows stay `running` and are abandoned by the next instance.
    spdlog::error("{} runs did not end after being killed; exiting anyway", active_.size());
    forced_ = true;
    io_.stop();
  });
}

void Daemon::maybe_stop() {
  if (!stopping_ || in_flight_ > 0) return;
  grace_timer_.cancel();
  signals_.cancel();
  io_.stop();
}

void Daemon::reload() {
  if (stopping_) return;
  if (options_.notify) options_.notify("RELOADING=1");
  spdlog::info("received SIGHUP: reloading the configuration");
  try {
    apply(options_.reload());
    metrics_.config_reloaded(true);
  } catch (const config::ConfigError& e) {
    metrics_.config_reloaded(false);
    spdlog::error("reload rejected; the previous configuration stays in force:\n{}", e.what());
  } catch (const std::exception& e) {  // last resort: the loader turns what it meets into the above
    metrics_.config_reloaded(false);
    spdlog::error("reload rejected; the previous configuration stays in force: {}", e.what());
  }
  if (options_.notify) options_.notify("READY=1");
}

void Daemon::apply(std::shared_ptr<const config::Config> config) {
  for (const auto& key : config::restart_only_changes(*plan_.config, *config)) {
    spdlog::warn(
        "reload: {} changed, but it is read only at start: the old value stays until a "
        "restart",
        key);
  }
  const auto now = SystemClock::now();
  // Fire what the old plan has due up to now, so the new plan (which starts after this second)
  // neither loses nor repeats a slot.
  // The old plan may have looked further ahead (lead_): the new one starts past that.
  horizon_ = std::max(horizon_, now + kLead);
  dispatch(plan_.planner->due(horizon_));
  auto planner = std::make_unique<core::Planner>(config->jobs, horizon_);
  planner->adopt_running(*plan_.planner);
  auto graph = std::make_unique<config::JobGraph>(config->jobs);
  auto index = index_jobs(*config);
  for (const auto& old : plan_.config->jobs) {
    if (!index.contains(old.name)) metrics_.forget_job(old.name);
  }
  plan_ = Plan{std::move(config), std::move(planner), std::move(graph), std::move(index)};
  watch_dirs();
  update_next_fires({});
  spdlog::info("configuration reloaded: {} jobs", plan_.config->jobs.size());
  report_status();
  sync_mirror();
  timer_.cancel();
  arm();
}

}  // namespace sqlcron::runtime
