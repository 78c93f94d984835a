#include "runtime/daemon.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <csignal>

#include "config/config_error.hpp"
#include "core/misfire_policy.hpp"
#include "core/retry_policy.hpp"
#include "mysql/db_error.hpp"

namespace sqlcron::runtime {

namespace {

using SystemClock = std::chrono::system_clock;
using SteadyClock = std::chrono::steady_clock;

// The longest the loop sleeps, so that a wall-clock change is noticed within this time.
constexpr std::chrono::seconds kMaxSleep{30};
// A difference between wall-clock and monotonic progress beyond this is a clock change.
constexpr std::chrono::seconds kClockJump{2};
// Slots are decided and claimed this long before their instant, and their SQL waits for the
// instant itself: the claim's round trips and commit (about 0.5 ms) are then off the fire path,
// so the SQL starts within a fraction of a millisecond of the second, as an event's does.
constexpr std::chrono::milliseconds kLead{3};
// Many slots due together take a while to claim (~30 us of server time each): the loop wakes
// earlier by this much per slot of its previous pass, up to kMaxLead, so that the claims are
// mostly done when the instant comes instead of competing with the runs for the CPU.
constexpr std::chrono::microseconds kLeadPerSlot{30};
constexpr std::chrono::milliseconds kMaxLead{50};
// Slots due together are claimed in chunks of 16, 32, 64, ... rows (Daemon::claim_and_start).
constexpr std::size_t kFirstClaimChunk = 16;
// How often the control connection checks the server, and how long a check may go unanswered
// before /healthz says the database is down.
constexpr std::chrono::seconds kHealthEvery{2};
// How often a run that waits for another daemon's run of its job tries the overlap lease again.
constexpr std::chrono::milliseconds kTurnPoll{500};
constexpr std::chrono::seconds kUnanswered{4};

std::string when(schedule::Instant t) { return date::format("%FT%TZ", t); }

template <typename D>
double seconds_of(D d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

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

void Daemon::run() {
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

// --- the database: health, outages, read-only, catch-up --------------------------------------

void Daemon::check_health(std::chrono::milliseconds after) {
  health_timer_.expires_after(after);
  health_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    // /healthz counts the database as down while a check waits for longer than kUnanswered.
    check_posted_ = SteadyClock::now().time_since_epoch().count();
    control_pool_.post([this] {
      Health h;
      try {
        h = watch_.check();
      } catch (const std::exception& e) {  // never let one bad pass end the health loop
        h.error = std::string("health check failed: ") + e.what();
      }
      boost::asio::post(io_, [this, h] { on_health(h); });
    });
  });
}

void Daemon::on_health(const Health& h) {
  check_posted_ = 0;
  if (stopping_) return;
  {
    const std::lock_guard lock(health_mutex_);
    db_error_ = h.error;
  }
  db_up_flag_ = h.up;
  read_only_flag_ = h.up && h.read_only;
  metrics_.set_database_up(h.up);
  if (h.up) metrics_.set_spooled(h.spooled);
  metrics_.set_results_lost(spool_.lost());
  if (!h.up) {
    if (db_up_) {
      db_up_ = false;
      down_since_ = SteadyClock::now();
      backoff_ = options_.reconnect_min;
      spdlog::error("the database is unreachable: {}; not firing until it is back", h.error);
      report_status();
    } else {
      backoff_ = std::min(backoff_ * 2, options_.reconnect_max);
      spdlog::warn("the database is still unreachable ({}); next try in {} ms", h.error,
                   backoff_.count());
    }
    check_health(backoff_);
    return;
  }
  bool resumed = false;
  if (!db_up_) {
    db_up_ = true;
    resumed = true;
    spdlog::info("the database is reachable again after {:.1f} s",
                 seconds_of(SteadyClock::now() - down_since_));
    report_status();
  }
  if (h.read_only != read_only_) {
    read_only_ = h.read_only;
    resumed = resumed || !read_only_;
    if (read_only_) {
      spdlog::warn("the server is read-only (a replica?): nothing fires until it is writable");
    } else {
      spdlog::info("the server is writable again: firing resumes");
    }
    report_status();
  }
  if (h.replayed > 0) spdlog::info("wrote {} spooled run results to the run log", h.replayed);
  if (h.purged > 0) spdlog::info("deleted {} runs older than run_log_retention", h.purged);
  if (!h.abandoned.empty()) {
    spdlog::warn("marked {} runs of stopped instances as abandoned", h.abandoned.size());
    retry_abandoned(h.abandoned);
  }
  if (resumed && !paused()) {
    catch_up();
    fire_pending_hooks();
    rescan_watched();
  }
  // Checked every kHealthEvery (a frozen server shows in /healthz within seconds); the
  // heartbeat, the sweep of dead instances and the purge keep their own pace (DatabaseWatch).
  check_health(std::min<std::chrono::milliseconds>(options_.heartbeat_interval, kHealthEvery));
}

void Daemon::retry_abandoned(const std::vector<runlog::Claim>& abandoned) {
  // An abandoned run counts as a failed attempt: the next attempt runs if the job has one left.
  std::vector<core::Decision> decisions;
  for (const auto& run : abandoned) {
    const auto i = job_index(run.job);
    if (!i || run.attempt >= plan_.config->jobs[*i].retry.attempts) continue;
    decisions.push_back(plan_.planner->offer(
        {*i, run.scheduled_for, core::RunCause::retry, run.attempt + 1, run.chain_run_id}));
  }
  dispatch(decisions);
}

void Daemon::catch_up() {
  // Slots after `until` are the planner's (it fires from now on); the missed ones are in
  // (the latest recorded slot up to `until`, until]. Bounding the query by `until` keeps a slot
  // the planner claims meanwhile from hiding the gap.
  const auto until = std::chrono::floor<std::chrono::seconds>(SystemClock::now());
  control_pool_.post([this, until] {
    try {
      auto last = watch_.last_slots(until);
      boost::asio::post(io_, [this, until, last = std::move(last)] {
        if (stopping_ || paused()) return;
        const auto now_s = until;
        std::vector<core::Decision> decisions;
        for (const auto& [name, slot] : last) {
          const auto i = job_index(name);
          if (!i || !plan_.config->jobs[*i].enabled) continue;
          const auto& job = plan_.config->jobs[*i];
          if (!job.schedule) continue;  // chain steps: catch_up_chains()
          const auto missed =
              core::missed_slots(*job.schedule, slot, now_s, job.misfire, job.misfire_grace);
          for (const auto& [t, reason] : missed.dropped) {  // each gets its `skipped` row
            core::Decision skip;
            skip.action = core::Decision::Action::skip;
            skip.slot.job = *i;
            skip.slot.scheduled_for = t;
            skip.reason = reason;
            decisions.push_back(std::move(skip));
          }
          for (const auto t : missed.run) {
            decisions.push_back(plan_.planner->offer({*i, t, core::RunCause::catchup}));
          }
        }
        if (!decisions.empty()) {
          spdlog::info("misfire: {} missed slots to catch up", decisions.size());
        }
        dispatch(decisions);
        catch_up_chains(now_s);
      });
    } catch (const mysql::DbError& e) {
      spdlog::warn("cannot read the run log for misfire decisions: {}", e.what());
    }
  });
}

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
  if (run.control->ended()) return;  // its connection may already serve another run
  // A timeout kills the whole connection at once: a procedure survives KILL QUERY (only its
  // current statement ends) and could go on to commit work after its timeout. At shutdown the
  // run gets a KILL QUERY first (its handlers may clean up), and the connection a grace later.
  const bool escalate =
      why == RunControl::Reason::timeout || (run.killed && run.kill_reason == why);
  run.killed = true;
  run.kill_reason = why;
  control_pool_.post(
      [this, run_id, connection_id = run.connection_id, escalate, why, control = run.control] {
        const char* what = escalate ? "KILL CONNECTION" : "KILL QUERY";
        try {
          // Sent only while the run's SQL has not ended; the worker waits for it (RunControl).
          if (control->kill(why, [&] { watch_.kill(connection_id, escalate); })) {
            spdlog::warn("run {}: {} {}", run_id, what, connection_id);
          }
        } catch (const mysql::DbError& e) {
          if (e.code() == 1094) return;  // unknown thread id: the run ended meanwhile
          // 1095 "not owner of thread": a SQL SECURITY DEFINER procedure's thread belongs to its
          // definer, and this account lacks CONNECTION ADMIN. The run goes on; its row will say
          // what really happened, with this in its message.
          const auto message = std::string(what) + " " + std::to_string(connection_id) +
                               " failed: error " + std::to_string(e.code()) + ": " + e.what();
          control->kill_failed(why, message);
          metrics_.kill_failed();
          spdlog::error("run {}: {}{}", run_id, message,
                        e.code() == 1095 ? " (the account needs CONNECTION ADMIN to kill runs of "
                                           "SQL SECURITY DEFINER procedures: docs/security.md)"
                                         : "");
        }
      });
  if (escalate) return;
  // A procedure keeps going after its current statement is killed; if the run has not ended
  // after the kill grace, its whole connection goes.
  run.timer = std::make_unique<boost::asio::steady_timer>(io_, options_.kill_grace);
  run.timer->async_wait([this, run_id, why](const boost::system::error_code& ec) {
    if (!ec) kill(run_id, why);
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
