#include "runtime/daemon.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <csignal>

#include "config/config_error.hpp"
#include "core/misfire_policy.hpp"
#include "core/retry_policy.hpp"
#include "mysql/db_error.hpp"
#include "runtime/daemon_timing.hpp"

namespace sqlcron::runtime {

using namespace daemon_detail;  // NOLINT(google-build-using-namespace): the daemon's own timings

Daemon::Daemon(const mysql::Connector& connector, mysql::ConnectionPool& pool,
               std::shared_ptr<const config::Config> config, DaemonOptions options)
    : connector_(connector),
      options_(std::move(options)),
      timer_(io_),
      health_timer_(io_),
      grace_timer_(io_),
      watchdog_timer_(io_),
      tick_timer_(io_),
      signals_(io_, SIGTERM, SIGINT, SIGHUP),
      spool_(config->scheduler.state_dir + "/runs.spool"),
      runner_(pool, config->scheduler.state_schema, options_.instance, spool_),
      watch_(connector, pool.settings(), config->scheduler.state_schema, options_.instance, spool_,
             config->scheduler.run_log_retention),
      rng_(std::random_device{}()),
      backoff_(options_.reconnect_min),
      control_pool_(connector, 1, "control"),
      notify_pool_(connector, 2, "notify"),
      workers_(connector, config->scheduler.max_concurrent_runs, "run"),
      claim_pool_(connector, 1, "claim") {
  plan_.planner = std::make_unique<core::Planner>(config->jobs, SystemClock::now());
  plan_.graph = std::make_unique<config::JobGraph>(config->jobs);
  plan_.index = index_jobs(*config);
  plan_.config = std::move(config);
}

std::unordered_map<std::string_view, std::size_t> Daemon::index_jobs(const config::Config& c) {
  std::unordered_map<std::string_view, std::size_t> index;
  index.reserve(c.jobs.size());
  for (std::size_t i = 0; i < c.jobs.size(); ++i) index.emplace(c.jobs[i].name, i);
  return index;
}

Daemon::~Daemon() {
  claim_pool_.stop();
  workers_.stop();
  notify_pool_.stop();
  control_pool_.stop();
  http_io_.stop();
  if (http_thread_.joinable()) http_thread_.join();
}

bool Daemon::run() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (!ec) on_signal(signo);
  });
  last_wall_ = SystemClock::now();
  last_steady_ = SteadyClock::now();
  start_http();
  tick();
  update_next_fires({});
  sync_mirror();
  catch_up();
  watch_dirs();
  arm();
  check_health(std::chrono::milliseconds(0));
  check_kill_privilege();
  const auto& jobs = plan_.config->jobs;
  spdlog::info("ready: {} jobs ({} enabled), up to {} concurrent runs", jobs.size(),
               std::count_if(jobs.begin(), jobs.end(), [](const auto& j) { return j.enabled; }),
               plan_.config->scheduler.max_concurrent_runs);
  if (options_.notify) options_.notify("READY=1");
  report_status();
  watchdog();
  io_.run();
  http_io_.stop();
  if (http_thread_.joinable()) http_thread_.join();
  if (forced_) return false;  // workers may be stuck on the server: not joined
  watchers_.clear();
  claim_pool_.stop();
  workers_.stop();
  notify_pool_.stop();
  control_pool_.post([this] {
    try {
      watch_.mark_stopped();
    } catch (const mysql::DbError& e) {
      spdlog::warn("could not mark instance {} stopped: {}", options_.instance, e.what());
    }
  });
  control_pool_.stop();
  spdlog::info("stopped");
  return true;
}

// --- firing ----------------------------------------------------------------------------------

void Daemon::arm() {
  if (stopping_) return;
  const auto now = SystemClock::now();
  const auto next = plan_.planner->next_wakeup();
  auto delay = next ? std::chrono::duration_cast<SteadyClock::duration>(*next - lead_ - now)
                    : SteadyClock::duration(kMaxSleep);
  // Wait on the monotonic clock for the distance the wall clock says is left; wake at least
  // every kMaxSleep to notice a wall-clock change.
  delay = std::min<SteadyClock::duration>(delay, kMaxSleep);
  timer_.expires_after(delay);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) on_timer();
  });
}

void Daemon::on_timer() {
  detect_clock_jump();
  horizon_ = std::max(horizon_, SystemClock::now() + lead_);
  const auto decisions = plan_.planner->due(horizon_);
  lead_ = std::min<std::chrono::microseconds>(
      kMaxLead, kLead + kLeadPerSlot * static_cast<int>(decisions.size()));
  dispatch(decisions);
  update_next_fires(decisions);
  arm();
}

void Daemon::detect_clock_jump() {
  const auto wall = SystemClock::now();
  const auto steady = SteadyClock::now();
  const auto drift = (wall - last_wall_) - (steady - last_steady_);
  last_wall_ = wall;
  last_steady_ = steady;
  if (drift < -kClockJump) {
    // Backward: recompute from the new time. Slots already run are not run again: their runs
    // rows exist, so their claims fail.
    spdlog::warn("the wall clock went back by {:.1f} s; rescheduling from the new time",
                 -seconds_of(drift));
    plan_.planner->rebase(wall);
  } else if (drift > kClockJump) {
    // Forward: the slots jumped over are late now; the planner applies the misfire policy.
    spdlog::warn(
        "the wall clock jumped forward by {:.1f} s; missed slots follow the misfire "
        "policy",
        seconds_of(drift));
  }
}

void Daemon::dispatch(const std::vector<core::Decision>& decisions) {
  std::vector<RunRequest> starts;
  for (const auto& d : decisions) {
    const auto& job = plan_.config->jobs[d.slot.job];
    if (d.action == core::Decision::Action::queued) {
      spdlog::info("job {} slot {} is queued behind the running run", job.name,
                   when(d.slot.scheduled_for));
      continue;
    }
    if (paused()) {
      // Not fired: decided later from the run log by the misfire policy.
      if (d.action == core::Decision::Action::start) release(job.name);
      continue;
    }
    RunRequest request;
    request.config = plan_.config;
    request.job = d.slot.job;
    request.scheduled_for = d.slot.scheduled_for;
    request.cause = d.slot.cause;
    request.attempt = d.slot.attempt;
    request.next_fire = plan_.planner->next_fire(d.slot.job);
    request.chain_run_id = d.slot.chain_run_id;
    request.failure = d.slot.failure;
    if (d.slot.scheduled_for > SystemClock::now()) request.not_before = d.slot.scheduled_for;
    if (d.action == core::Decision::Action::skip) {
      metrics_.run_finished(job.name, "skipped", std::chrono::duration<double>(0));
      if (!plan_.graph->downstream(d.slot.job).empty()) {
        skip_downstream(d.slot.job, d.slot.scheduled_for, d.slot.chain_run_id,
                        "upstream " + job.name + " was skipped (" + d.reason + ")");
      }
      runner_.skip(request, d.reason);  // queued for the run-log writer: never blocks
      continue;
    }
    ++in_flight_;
    starts.push_back(std::move(request));
  }
  if (starts.size() == 1) {
    start(std::move(starts.front()));
  } else if (starts.size() > 1) {
    claim_and_start(std::move(starts));
  }
}

void Daemon::claim_and_start(std::vector<RunRequest> batch) {
  claim_pool_.post([this, batch = std::move(batch)]() mutable {
    // Claimed in growing chunks, each started as soon as it is claimed: the first runs need not
    // wait for the insert of hundreds of rows.
    std::size_t chunk = kFirstClaimChunk;
    for (std::size_t from = 0; from < batch.size(); from += chunk, chunk *= 2) {
      const auto to = std::min(batch.size(), from + chunk);
      std::vector<RunRequest> part(std::make_move_iterator(batch.begin() + from),
                                   std::make_move_iterator(batch.begin() + to));
      claim_chunk(std::move(part));
    }
  });
}

void Daemon::claim_chunk(std::vector<RunRequest> part) {
  try {
    runner_.claim_batch(part);
  } catch (const mysql::DbError& e) {
    spdlog::error("{} slots: not run, the database is unreachable: error {}: {}", part.size(),
                  e.code(), e.what());
    for (auto& r : part) {
      boost::asio::post(io_, [this, r] { on_finished(r, RunReport{}, true); });
    }
    return;
  }
  for (auto& r : part) {
    if (r.claimed_run_id) {
      start(std::move(r));
    } else {
      spdlog::info("job {} slot {} is already claimed by another instance; not running it",
                   r.job_config().name, when(r.scheduled_for));
      boost::asio::post(io_, [this, r] { on_finished(r, RunReport{}, false); });
    }
  }
}

void Daemon::start(RunRequest request) {
  workers_.post([this, request = std::move(request)] {
    // The worker is free once the SQL ended; the loop learns the run is over once its row is.
    const auto on_done = [this, request](const RunReport& report) {
      boost::asio::post(io_,
                        [this, request, report] { on_finished(request, report, report.spooled); });
    };
    if (stopping_flag_) {
      // SIGTERM came while it waited for a worker: no new runs. A slot its batch claimed gets
      // its row finished; one not claimed yet is simply not run.
      if (request.claimed_run_id) {
        runner_.give_up(request, "shutdown: the daemon stopped before the run started", on_done);
      } else {
        on_done(RunReport{});
      }
      return;
    }
    try {
      runner_.run_async(
          request,
          [this, &request](std::int64_t id, std::uint64_t connection,
                           SystemClock::time_point started_at) {
            boost::asio::post(io_, [this, id, connection, started_at, request] {
              on_started(id, connection, started_at, request);
            });
          },
          on_done);
    } catch (const mysql::DbError& e) {
      spdlog::error("job {} slot {}: not run, the database is unreachable: error {}: {}",
                    request.job_config().name, when(request.scheduled_for), e.code(), e.what());
      boost::asio::post(io_, [this, request] { on_finished(request, RunReport{}, true); });
    }
  });
}

void Daemon::on_started(std::int64_t run_id, std::uint64_t connection_id,
                        SystemClock::time_point started_at, const RunRequest& request) {
  auto& run = active_[run_id];
  run = ActiveRun{
      request.job_config().name,         connection_id, request.control, false, nullptr, started_at,
      request.claimed_run_id.has_value()};
  // A slot claimed ahead of its instant (kLead) reports no negative lag.
  metrics_.run_started(
      run.job, std::max(SystemClock::now() - request.scheduled_for, SystemClock::duration::zero()));
  metrics_.set_running(static_cast<int>(active_.size()));
  if (stopping_ && grace_over_) {
    kill(run_id, RunControl::Reason::shutdown);
  } else if (const auto& timeout = request.job_config().timeout) {
    // A run claimed ahead of its slot (kLead) starts its SQL at the slot: time it from there.
    const auto wait = request.not_before ? std::max(*request.not_before - SystemClock::now(),
                                                    SystemClock::duration::zero())
                                         : SystemClock::duration::zero();
    run.timer = std::make_unique<boost::asio::steady_timer>(
        io_, *timeout + std::chrono::duration_cast<SteadyClock::duration>(wait));
    run.timer->async_wait([this, run_id](const boost::system::error_code& ec) {
      if (ec) return;
      const auto it = active_.find(run_id);
      if (it == active_.end()) return;
      spdlog::warn("run {} of {} exceeded its timeout; killing it", run_id, it->second.job);
      kill(run_id, RunControl::Reason::timeout);
    });
  }
}

void Daemon::on_finished(const RunRequest& request, const RunReport& report, bool lost_database) {
  if (!report.overlapped_by.empty()) {
    wait_for_turn(request, report);
    return;
  }
  active_.erase(report.run_id);
  if (!report.claimed && lost_database && request.cause == core::RunCause::chain) {
    // Never claimed: the database went away. The step may start again (catch_up_chains).
    chained_.erase({request.job_config().name, request.scheduled_for});
  }
  metrics_.set_running(static_cast<int>(active_.size()));
  if (lost_database) metrics_.set_results_lost(spool_.lost());
  if (report.claimed) {
    const auto& name = request.job_config().name;
    metrics_.run_finished(name, core::to_string(report.outcome.status), report.outcome.duration);
    if (report.outcome.status == core::RunStatus::succeeded) {
      metrics_.set_last_success(name, SystemClock::now());
    }
  }
  if (lost_database && db_up_) {
    db_up_ = false;
    db_up_flag_ = false;
    metrics_.set_database_up(false);
    down_since_ = SteadyClock::now();
    spdlog::error(
        "lost the database; not firing until it is back (checking every {} ms, "
        "backing off to {} s)",
        options_.reconnect_min.count(),
        std::chrono::duration_cast<std::chrono::seconds>(options_.reconnect_max).count());
    backoff_ = options_.reconnect_min;
    report_status();
    check_health(backoff_);
  }
  const auto& job = request.job_config();
  const auto& o = report.outcome;
  const bool retryable = report.claimed && !stopping_ && (o.status == core::RunStatus::failed) &&
                         core::is_transient(o.error_code) && request.attempt < job.retry.attempts;
  if (retryable) {
    schedule_retry(request, report);
    return;
  }
  --in_flight_;
  if (report.claimed) follow_up(request, report);
  release(job.name);
  maybe_stop();
}

void Daemon::wait_for_turn(RunRequest request, const RunReport& report) {
  // Another daemon's run of the job holds its overlap lease: this run (queued, a retry or a
  // catch-up) keeps its claimed row and tries again every kTurnPoll, as a queued slot waits
  // for a local run.
  spdlog::info("run {} of {} waits for its turn: {} is running", report.run_id,
               request.job_config().name, report.overlapped_by);
  request.claimed_run_id = report.run_id;
  request.lease_taken.reset();
  request.not_before.reset();
  request.control = std::make_shared<RunControl>();
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, kTurnPoll);
  timer->async_wait([this, timer, request = std::move(request),
                     holder = report.overlapped_by](const boost::system::error_code&) mutable {
    if (!stopping_) {
      start(std::move(request));
      return;
    }
    // Shutting down: the slot never started; its row says so.
    runner_.give_up(
        request,
        "overlap: waited for its turn behind " + holder + "; the daemon stopped before it came",
        [this, request](const RunReport& r) {
          boost::asio::post(io_, [this, request, r] { on_finished(request, r, false); });
        });
  });
}

void Daemon::schedule_retry(const RunRequest& request, const RunReport& report) {
  const auto& job = request.job_config();
  const int next_attempt = request.attempt + 1;
  const double unit = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  const auto delay = core::retry_delay(job.retry, next_attempt, unit);
  spdlog::info("run {} of {} failed with transient error {}; attempt {} of {} in {} ms",
               report.run_id, job.name, report.outcome.error_code, next_attempt, job.retry.attempts,
               delay.count());
  RunRequest retry = request;
  retry.scheduled_for = report.scheduled_for;  // a failure hook may have moved to a free second
  retry.attempt = next_attempt;
  retry.cause = core::RunCause::retry;
  retry.control = std::make_shared<RunControl>();
  retry.claimed_run_id.reset();  // a retry claims its own attempt
  retry.not_before.reset();
  const auto id = next_retry_id_++;
  auto& pending = retries_[id];
  pending.request = std::move(retry);
  pending.previous = report;
  pending.timer = std::make_unique<boost::asio::steady_timer>(io_, delay);
  pending.timer->async_wait([this, id](const boost::system::error_code& ec) {
    const auto it = retries_.find(id);
    if (it == retries_.end()) return;
    auto request = std::move(it->second.request);
    const auto previous = it->second.previous;
    retries_.erase(it);
    if (ec || stopping_ || paused()) {  // dropped: shutdown, or no database to run against
      --in_flight_;
      // The failed attempt is the final one now: what follows a failure follows.
      RunRequest failed = request;
      failed.attempt = request.attempt - 1;
      follow_up(failed, previous);
      release(request.job_config().name);
      maybe_stop();
      return;
    }
    start(std::move(request));
  });
}

std::optional<std::size_t> Daemon::job_index(const std::string& name) const {
  const auto it = plan_.index.find(name);
  if (it == plan_.index.end()) return std::nullopt;
  return it->second;
}

void Daemon::release(const std::string& job) {
  const auto i = job_index(job);
  if (!i) return;  // removed by a reload meanwhile
  if (auto queued = plan_.planner->run_finished(*i); queued && !stopping_) dispatch({*queued});
}

}  // namespace sqlcron::runtime
