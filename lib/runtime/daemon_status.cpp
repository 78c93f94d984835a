// Daemon, part 4: what it shows - /metrics and /healthz, sd_notify, the jobs mirror (daemon.hpp).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <csignal>

#include "config/config_error.hpp"
#include "core/misfire_policy.hpp"
#include "core/retry_policy.hpp"
#include "mysql/db_error.hpp"
#include "runtime/daemon.hpp"
#include "runtime/daemon_timing.hpp"

namespace sqlcron::runtime {

using namespace daemon_detail;  // NOLINT(google-build-using-namespace): the daemon's own timings

void Daemon::start_http() {
  const auto& http = plan_.config->http;
  if (!http.enabled) return;
  // Throws if the address cannot be bound: the daemon does not start half-observable.
  http_ = std::make_unique<HttpServer>(http_io_, http.address, http.port, metrics_,
                                       [this] { return health(); });
  spdlog::info("serving /metrics and /healthz on http://{}:{}", http.address, http_->port());
  http_thread_ = std::thread([this] {
    try {
      http_io_.run();
    } catch (const std::exception& e) {
      spdlog::error("the HTTP endpoint failed: {}", e.what());
    }
  });
}

void Daemon::tick() {
  loop_tick_ = SteadyClock::now().time_since_epoch().count();
  record_long_starts();
  tick_timer_.expires_after(std::chrono::seconds(1));
  tick_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tick();
  });
}

void Daemon::record_long_starts() {
  // A batch-claimed run's row gets its connection and start time with its finish; one still
  // running after a second gets them now, so `runs` shows operators what to KILL.
  const auto before = SystemClock::now() - std::chrono::seconds(1);
  for (auto& [run_id, run] : active_) {
    if (!run.start_unrecorded || run.started_at > before) continue;
    run.start_unrecorded = false;
    runner_.record_started(run_id, run.connection_id, run.started_at);
  }
}

HealthState Daemon::health() const {
  HealthState h;
  const auto last = SteadyClock::time_point(SteadyClock::duration(loop_tick_.load()));
  h.loop_alive = SteadyClock::now() - last < std::chrono::seconds(5);
  h.database_up = db_up_flag_;
  h.read_only = read_only_flag_;
  const auto posted = check_posted_.load();
  const bool unanswered =
      posted != 0 &&
      SteadyClock::now() - SteadyClock::time_point(SteadyClock::duration(posted)) > kUnanswered;
  if (!h.loop_alive) h.detail = "the event loop has not ticked for 5 s";
  if (unanswered) {
    h.database_up = false;
    h.detail =
        "the database has not answered a check for " +
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(kUnanswered).count()) +
        " s (frozen, or the network is partitioned)";
  } else if (!h.database_up) {
    const std::lock_guard lock(health_mutex_);
    h.detail = "the database is unreachable: " + db_error_;
  }
  return h;
}

void Daemon::update_next_fires(const std::vector<core::Decision>& decisions) {
  const auto& jobs = plan_.config->jobs;
  const auto set = [&](std::size_t i) {
    const auto next = plan_.planner->next_fire(i);
    metrics_.set_next_fire(jobs[i].name,
                           next ? std::optional<SystemClock::time_point>(*next) : std::nullopt);
  };
  if (decisions.empty()) {
    for (std::size_t i = 0; i < jobs.size(); ++i) set(i);
    return;
  }
  for (const auto& d : decisions) set(d.slot.job);
}

void Daemon::watchdog() {
  if (options_.watchdog_interval.count() == 0 || !options_.notify) return;
  options_.notify("WATCHDOG=1");
  watchdog_timer_.expires_after(options_.watchdog_interval);
  watchdog_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) watchdog();
  });
}

void Daemon::report_status() {
  if (!options_.notify) return;
  std::string status;
  if (stopping_) {
    status = "stopping: waiting for " + std::to_string(active_.size()) + " runs";
  } else if (!db_up_) {
    status = "waiting for the database";
  } else if (read_only_) {
    status = "paused: the server is read-only";
  } else {
    status = "firing " + std::to_string(plan_.config->jobs.size()) + " jobs";
  }
  options_.notify("STATUS=" + status);
}

void Daemon::sync_mirror() {
  std::vector<runlog::JobMirrorEntry> entries;
  entries.reserve(plan_.config->jobs.size());
  for (std::size_t i = 0; i < plan_.config->jobs.size(); ++i) {
    entries.push_back(runlog::JobMirrorEntry{&plan_.config->jobs[i], plan_.planner->next_fire(i)});
  }
  control_pool_.post([this, entries = std::move(entries), config = plan_.config] {
    try {
      watch_.sync_jobs(entries);
    } catch (const mysql::DbError& e) {
      spdlog::warn("could not update the jobs table: {}", e.what());
    }
  });
}

}  // namespace sqlcron::runtime
