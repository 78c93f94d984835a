#include "runtime/daemon.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <csignal>

#include "config/config_error.hpp"
#include "mysql/db_error.hpp"
#include "runlog/instance_registry.hpp"
#include "runlog/job_mirror.hpp"

namespace sqlcron::runtime {

namespace {

using SystemClock = std::chrono::system_clock;
using SteadyClock = std::chrono::steady_clock;

}  // namespace

Daemon::Daemon(const mysql::Connector& connector, mysql::ConnectionPool& pool,
               std::shared_ptr<const config::Config> config, DaemonOptions options)
    : connector_(connector),
      pool_(pool),
      options_(std::move(options)),
      timer_(io_),
      heartbeat_timer_(io_),
      grace_timer_(io_),
      signals_(io_, SIGTERM, SIGINT, SIGHUP),
      runner_(pool, config->scheduler.state_schema, options_.instance),
      control_pool_(connector, 1, "control"),
      workers_(connector, config->scheduler.max_concurrent_runs, "run") {
  plan_.planner = std::make_unique<core::Planner>(config->jobs, SystemClock::now());
  plan_.config = std::move(config);
}

Daemon::~Daemon() {
  workers_.stop();
  control_pool_.stop();
}

void Daemon::run() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (!ec) on_signal(signo);
  });
  sync_mirror();
  arm();
  heartbeat();
  spdlog::info("ready: {} jobs ({} enabled), up to {} concurrent runs", plan_.config->jobs.size(),
               std::count_if(plan_.config->jobs.begin(), plan_.config->jobs.end(),
                             [](const auto& j) { return j.enabled; }),
               plan_.config->scheduler.max_concurrent_runs);
  if (options_.notify) options_.notify("READY=1");
  io_.run();
  workers_.stop();
  control_pool_.post([this] {
    try {
      runlog::InstanceRegistry(plan_.config->scheduler.state_schema, options_.instance)
          .mark_stopped(control_session());
    } catch (const mysql::DbError& e) {
      spdlog::warn("could not mark instance {} stopped: {}", options_.instance, e.what());
    }
    control_.reset();
  });
  control_pool_.stop();
  spdlog::info("stopped");
}

void Daemon::arm() {
  if (stopping_) return;
  const auto next = plan_.planner->next_wakeup();
  if (!next) {
    spdlog::info("no job will fire again; waiting for a reload or a signal");
    return;
  }
  // Wait on the steady clock for the distance the wall clock says is left.
  const auto delay = *next - SystemClock::now();
  timer_.expires_after(std::chrono::duration_cast<SteadyClock::duration>(delay));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) on_timer();
  });
}

void Daemon::on_timer() {
  dispatch(plan_.planner->due(SystemClock::now()));
  arm();
}

void Daemon::dispatch(const std::vector<core::Decision>& decisions) {
  for (const auto& d : decisions) {
    RunRequest request;
    request.config = plan_.config;
    request.job = d.slot.job;
    request.scheduled_for = d.slot.scheduled_for;
    request.next_fire = plan_.planner->next_fire(d.slot.job);
    request.cause = d.slot.cause;
    if (d.action == core::Decision::Action::queued) {
      spdlog::info("job {} slot {} is queued behind the running run", request.job_config().name,
                   date::format("%FT%TZ", d.slot.scheduled_for));
      continue;
    }
    if (d.action == core::Decision::Action::skip) {
      control_pool_.post([this, request, reason = d.reason] {
        try {
          runner_.skip(request, reason);
        } catch (const mysql::DbError& e) {
          spdlog::error("job {}: cannot record a skipped slot: {}", request.job_config().name,
                        e.what());
        }
      });
      continue;
    }
    ++in_flight_;
    workers_.post([this, request] {
      std::int64_t run_id = 0;
      try {
        run_id = runner_
                     .run(request,
                          [this, &request](std::int64_t id, std::uint64_t connection) {
                            boost::asio::post(io_, [this, id, connection, request] {
                              on_started(id, connection, request);
                            });
                          })
                     .run_id;
      } catch (const mysql::DbError& e) {
        spdlog::error("job {} slot {}: cannot reach the run log: {}", request.job_config().name,
                      date::format("%FT%TZ", request.scheduled_for), e.what());
      }
      boost::asio::post(
          io_, [this, job = request.job_config().name, run_id] { on_finished(job, run_id); });
    });
  }
}

void Daemon::on_started(std::int64_t run_id, std::uint64_t connection_id,
                        const RunRequest& request) {
  auto& run = active_[run_id];
  run = ActiveRun{request.job_config().name, connection_id, request.interruption, false, nullptr};
  if (stopping_ && grace_over_) {
    request.interruption->store(static_cast<int>(Interruption::shutdown));
    kill(run_id);
  } else if (const auto& timeout = request.job_config().timeout) {
    run.timer = std::make_unique<boost::asio::steady_timer>(io_, *timeout);
    run.timer->async_wait([this, run_id](const boost::system::error_code& ec) {
      if (ec) return;
      const auto it = active_.find(run_id);
      if (it == active_.end()) return;
      spdlog::warn("run {} of {} exceeded its timeout; killing it", run_id, it->second.job);
      it->second.interruption->store(static_cast<int>(Interruption::timeout));
      kill(run_id);
    });
  }
}

void Daemon::on_finished(const std::string& job, std::int64_t run_id) {
  --in_flight_;
  active_.erase(run_id);
  const auto& jobs = plan_.config->jobs;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (jobs[i].name != job) continue;
    if (auto queued = plan_.planner->run_finished(i); queued && !stopping_) dispatch({*queued});
    break;
  }
  maybe_stop();
}

void Daemon::on_signal(int signo) {
  if (signo == SIGHUP) {
    reload();
  } else if (!stopping_) {
    spdlog::info(
        "received {}: no new runs; waiting up to {} s for {} running",
        signo == SIGTERM ? "SIGTERM" : "SIGINT",
        std::chrono::duration_cast<std::chrono::seconds>(plan_.config->scheduler.shutdown_grace)
            .count(),
        in_flight_);
    begin_shutdown();
  } else {
    spdlog::info("received another stop signal; still waiting for {} runs", in_flight_);
  }
  if (!io_.stopped()) {
    signals_.async_wait([this](const boost::system::error_code& ec, int s) {
      if (!ec) on_signal(s);
    });
  }
}

void Daemon::begin_shutdown() {
  stopping_ = true;
  if (options_.notify) options_.notify("STOPPING=1");
  timer_.cancel();
  heartbeat_timer_.cancel();
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
  for (auto& [id, run] : active_) {
    run.interruption->store(static_cast<int>(Interruption::shutdown));
    run.killed = false;
    ids.push_back(id);
  }
  for (const auto id : ids) kill(id);
  grace_timer_.expires_after(options_.kill_grace * 2);
  grace_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    spdlog::error("{} runs did not end after being killed; exiting anyway", in_flight_);
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
  std::shared_ptr<const config::Config> fresh;
  try {
    fresh = options_.reload();
  } catch (const config::ConfigError& e) {
    spdlog::error("reload rejected; the previous configuration stays in force:\n{}", e.what());
    if (options_.notify) options_.notify("READY=1");
    return;
  }
  apply(std::move(fresh));
  if (options_.notify) options_.notify("READY=1");
}

void Daemon::apply(std::shared_ptr<const config::Config> config) {
  const auto now = SystemClock::now();
  // Fire what the old plan has due up to now, so the new plan (which starts after this second)
  // neither loses nor repeats a slot.
  dispatch(plan_.planner->due(now));
  auto planner = std::make_unique<core::Planner>(config->jobs, now);
  planner->adopt_running(*plan_.planner);
  plan_ = Plan{std::move(config), std::move(planner)};
  spdlog::info("configuration reloaded: {} jobs", plan_.config->jobs.size());
  sync_mirror();
  timer_.cancel();
  arm();
}

void Daemon::heartbeat() {
  if (stopping_) return;
  const auto schema = plan_.config->scheduler.state_schema;
  control_pool_.post([this, schema] {
    try {
      runlog::InstanceRegistry(schema, options_.instance).heartbeat(control_session());
    } catch (const mysql::DbError& e) {
      control_.reset();
      spdlog::warn("heartbeat failed: {}", e.what());
    }
  });
  heartbeat_timer_.expires_after(options_.heartbeat_interval);
  heartbeat_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) heartbeat();
  });
}

void Daemon::kill(std::int64_t run_id) {
  const auto it = active_.find(run_id);
  if (it == active_.end()) return;
  auto& run = it->second;
  const auto why = static_cast<Interruption>(run.interruption->load());
  const bool escalate = run.killed;  // KILL QUERY already sent and the run did not end
  run.killed = true;
  control_pool_.post([this, connection_id = run.connection_id, why, escalate] {
    // The id is a number the server gave us, not user input.
    const std::string sql =
        (escalate ? "KILL CONNECTION " : "KILL QUERY ") + std::to_string(connection_id);
    try {
      control_session().execute_raw(sql);
      spdlog::warn("{} ({})", sql, why == Interruption::timeout ? "timeout" : "shutdown");
    } catch (const mysql::DbError& e) {
      if (e.code() >= 2000) control_.reset();  // client-side error: the link is gone
      // 1094: unknown thread id - the run ended meanwhile.
      if (e.code() != 1094) spdlog::error("{} failed: {}", sql, e.what());
    }
  });
  if (escalate) return;
  // A procedure keeps going after its current statement is killed; if the run has not ended
  // after the kill grace, its whole connection goes.
  run.timer = std::make_unique<boost::asio::steady_timer>(io_, options_.kill_grace);
  run.timer->async_wait([this, run_id](const boost::system::error_code& ec) {
    if (!ec) kill(run_id);
  });
}

void Daemon::sync_mirror() {
  std::vector<runlog::JobMirrorEntry> entries;
  entries.reserve(plan_.config->jobs.size());
  for (std::size_t i = 0; i < plan_.config->jobs.size(); ++i) {
    entries.push_back(runlog::JobMirrorEntry{&plan_.config->jobs[i], plan_.planner->next_fire(i)});
  }
  control_pool_.post([this, entries = std::move(entries), config = plan_.config] {
    try {
      runlog::JobMirror(config->scheduler.state_schema)
          .sync(control_session(), entries, options_.instance);
    } catch (const mysql::DbError& e) {
      control_.reset();
      spdlog::warn("could not update the jobs table: {}", e.what());
    }
  });
}

mysql::Session& Daemon::control_session() {
  if (!control_) control_ = connector_.open(pool_.settings());
  return *control_;
}

}  // namespace sqlcron::runtime
