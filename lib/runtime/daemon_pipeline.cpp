// Daemon, continued: pipelines (docs/pipelines.md). After a run's final outcome - once its
// retries are over - a success starts the jobs that run after it, for the same slot; a failure
// records them as skipped, fires the job's failure hooks and runs its notify command. Watched
// directories start their jobs when files arrive.
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "core/misfire_policy.hpp"
#include "exec/command_runner.hpp"
#include "mysql/db_error.hpp"
#include "runlog/notification_log.hpp"
#include "runtime/daemon.hpp"
#include "runtime/daemon_timing.hpp"
#include "util/directory.hpp"

namespace sqlcron::runtime {

using namespace daemon_detail;  // NOLINT(google-build-using-namespace): the daemon's own timings

namespace {

// Chain steps remembered for de-duplication; older ones are forgotten beyond this many.
constexpr std::size_t kChainMemory = 10000;

bool final_failure(core::RunStatus s) {
  return s == core::RunStatus::failed || s == core::RunStatus::timed_out;
}

}  // namespace

void Daemon::follow_up(const RunRequest& request, const RunReport& report) {
  const auto& name = request.job_config().name;
  const auto i = job_index(name);  // the plan may have been reloaded while it ran
  if (!i) return;
  const auto& o = report.outcome;
  const auto chain = request.chain_run_id != 0 ? request.chain_run_id : report.run_id;
  if (o.status == core::RunStatus::succeeded) {
    if (!stopping_) start_downstream(*i, request.scheduled_for, chain);
    return;
  }
  if (!final_failure(o.status)) return;  // cancelled by a shutdown: nothing follows
  auto failure = std::make_shared<const config::FailureInfo>(
      config::FailureInfo{name, report.run_id, std::string(core::to_string(o.status)), o.error_code,
                          o.sql_state, o.error_message, request.scheduled_for});
  skip_downstream(*i, request.scheduled_for, chain,
                  "upstream " + name + " " + std::string(core::to_string(o.status)) + " (run " +
                      std::to_string(report.run_id) + ")");
  // A failing hook (any attempt of it) does not fire hooks itself: alerts cannot loop.
  if (request.cause == core::RunCause::failure_hook || request.failure) return;
  fire_hooks(*i, failure, chain);
  notify_failure(*i, failure, chain, request.attempt);
}

void Daemon::start_downstream(std::size_t job, schedule::Instant slot, std::int64_t chain) {
  const auto& jobs = plan_.config->jobs;
  for (const auto d : plan_.graph->downstream(job)) {
    const auto& ups = plan_.graph->upstream(d);
    if (ups.size() == 1) {
      offer_chain(d, slot, chain);
      continue;
    }
    // Several upstream jobs (perhaps run by other instances): ready once all have succeeded
    // for this slot.
    std::vector<std::string> names;
    for (const auto u : ups) names.push_back(jobs[u].name);
    control_pool_.post([this, names, slot, chain, step = jobs[d].name, config = plan_.config] {
      try {
        std::int64_t first = 0;
        const auto done = watch_.succeeded_for(names, slot, &first);
        if (done.size() < names.size()) return;
        // A join of several roots belongs to the smallest of their pipeline instances.
        const auto instance = first != 0 ? std::min(first, chain) : chain;
        boost::asio::post(io_, [this, step, slot, chain = instance] {
          if (const auto i = job_index(step); i && !stopping_) offer_chain(*i, slot, chain);
        });
      } catch (const mysql::DbError& e) {
        spdlog::error("job {} slot {}: cannot check its upstream jobs: {}", step, when(slot),
                      e.what());
      }
    });
  }
}

void Daemon::offer_chain(std::size_t job, schedule::Instant slot, std::int64_t chain) {
  const auto& j = plan_.config->jobs[job];
  if (!chained_.emplace(j.name, slot).second) return;  // already started for this slot
  if (chained_.size() > kChainMemory) {
    // Forget the oldest slots; a repeat after that is caught by the run log's claim key.
    auto oldest = chained_.begin();
    for (auto it = chained_.begin(); it != chained_.end(); ++it) {
      if (it->second < oldest->second) oldest = it;
    }
    chained_.erase(oldest);
  }
  if (!j.enabled) {
    core::Slot s{job, slot, core::RunCause::chain, 1, chain, nullptr};
    dispatch({core::Decision{core::Decision::Action::skip, s, "the job is disabled"}});
    return;
  }
  if (paused()) {
    spdlog::warn(
        "job {} slot {}: not started, the database is unavailable; it starts when the "
        "database is back",
        j.name, when(slot));
    chained_.erase({j.name, slot});
    return;
  }
  spdlog::info("chain {}: job {} for slot {} (its upstream jobs succeeded)", chain, j.name,
               when(slot));
  dispatch({plan_.planner->offer(core::Slot{job, slot, core::RunCause::chain, 1, chain, nullptr})});
}

void Daemon::skip_downstream(std::size_t job, schedule::Instant slot, std::int64_t chain,
                             const std::string& reason) {
  const auto steps = plan_.graph->descendants(job);
  if (steps.empty()) return;
  std::vector<RunRequest> skips;
  for (const auto d : steps) {
    const auto& name = plan_.config->jobs[d].name;
    if (!chained_.emplace(name, slot).second) continue;  // started or skipped already
    RunRequest r;
    r.config = plan_.config;
    r.job = d;
    r.scheduled_for = slot;
    r.cause = core::RunCause::chain;
    r.chain_run_id = chain;
    metrics_.run_finished(name, "skipped", std::chrono::duration<double>(0));
    skips.push_back(std::move(r));
  }
  for (const auto& r : skips) runner_.skip(r, reason);  // queued for the run-log writer
}

void Daemon::fire_hooks(std::size_t job, const std::shared_ptr<const config::FailureInfo>& failure,
                        std::int64_t chain) {
  const auto& j = plan_.config->jobs[job];
  const auto now = std::chrono::floor<std::chrono::seconds>(SystemClock::now());
  for (const auto& hook : j.on_failure) {
    const auto h = job_index(hook);
    if (!h) continue;
    if (!plan_.config->jobs[*h].enabled) {
      spdlog::warn("job {} failed; its failure hook {} is disabled", j.name, hook);
      continue;
    }
    const core::Slot slot{*h, now, core::RunCause::failure_hook, 1, chain, failure};
    if (stopping_) {
      spdlog::error("job {} failed (run {}) during shutdown; its failure hook {} is not run",
                    j.name, failure->run_id, hook);
      continue;
    }
    if (paused()) {
      spdlog::warn("job {} failed (run {}); its failure hook {} runs when the database is back",
                   j.name, failure->run_id, hook);
      pending_hooks_.emplace_back(hook, slot);
      continue;
    }
    spdlog::info("job {} failed (run {}); firing its failure hook {}", j.name, failure->run_id,
                 hook);
    dispatch({plan_.planner->offer(slot)});
  }
}

void Daemon::fire_pending_hooks() {
  auto hooks = std::move(pending_hooks_);
  pending_hooks_.clear();
  for (auto& [hook, slot] : hooks) {
    // The plan may have been reloaded meanwhile: find the hook by name.
    const auto h = job_index(hook);
    if (!h) continue;
    slot.job = *h;
    dispatch({plan_.planner->offer(slot)});
  }
}

void Daemon::notify_failure(std::size_t job,
                            const std::shared_ptr<const config::FailureInfo>& failure,
                            std::int64_t chain, int attempt) {
  const auto& j = plan_.config->jobs[job];
  if (!j.notify) return;
  const config::RunContext ctx{j.name,  failure->scheduled_for, failure->run_id,
                               attempt, std::nullopt,           failure.get()};
  std::vector<std::string> argv;
  std::string shown;
  for (const auto& a : j.notify->command) {
    argv.push_back(a.render_text(ctx));
    shown += (shown.empty() ? "" : " ") + argv.back();
  }
  // A fixed environment: the run's fields, a safe PATH; nothing of the daemon's (no secrets).
  const std::vector<std::string> env{
      "PATH=/usr/local/bin:/usr/bin:/bin",
      "LANG=C.UTF-8",
      "SQLCRON_JOB=" + failure->job,
      "SQLCRON_RUN_ID=" + std::to_string(failure->run_id),
      "SQLCRON_STATUS=" + failure->status,
      "SQLCRON_SCHEDULED_FOR=" + date::format("%F %T", failure->scheduled_for),
      "SQLCRON_ATTEMPT=" + std::to_string(attempt),
      "SQLCRON_ERROR_CODE=" + std::to_string(failure->error_code),
      "SQLCRON_SQL_STATE=" + failure->sql_state,
      "SQLCRON_ERROR_MESSAGE=" + failure->error_message,
      "SQLCRON_CHAIN_RUN_ID=" + std::to_string(chain),
      "SQLCRON_INSTANCE=" + options_.instance};
  const auto timeout = j.notify->timeout;
  notify_pool_.post([this, argv, env, shown, timeout, failure] {
    runlog::Notification n;
    n.run_id = failure->run_id;
    n.job = failure->job;
    n.command = shown;
    n.started_at = SystemClock::now();
    const auto r = CommandRunner::run(argv, env, timeout);
    n.duration = r.duration;
    n.exit_code = r.exit_code;
    n.term_signal = r.term_signal;
    n.timed_out = r.timed_out;
    n.output = r.output;
    n.error_message = r.error;
    if (!r.error.empty()) {
      spdlog::error("notify for run {} of {}: {}", n.run_id, n.job, r.error);
    } else if (r.timed_out) {
      spdlog::warn("notify for run {} of {}: killed after its {} ms timeout", n.run_id, n.job,
                   timeout.count());
    } else {
      spdlog::info("notify for run {} of {}: {} exited {}", n.run_id, n.job, argv[0],
                   r.exit_code ? std::to_string(*r.exit_code)
                               : "by signal " + std::to_string(r.term_signal.value_or(0)));
    }
    control_pool_.post([this, n = std::move(n)] {
      try {
        watch_.record_notification(n);
      } catch (const mysql::DbError& e) {
        spdlog::error("cannot record the notify result of run {}: {}", n.run_id, e.what());
      }
    });
  });
}

void Daemon::catch_up_chains(schedule::Instant now) {
  // A chain step whose upstream jobs all succeeded but that never got a run row: the daemon
  // stopped (or lost the database) in between. Decided with the step's misfire policy.
  const auto& jobs = plan_.config->jobs;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const auto& j = jobs[i];
    if (j.after.empty() || !j.enabled || j.misfire == config::Misfire::skip) continue;
    std::vector<std::string> ups;
    for (const auto u : plan_.graph->upstream(i)) ups.push_back(jobs[u].name);
    const auto since = std::chrono::floor<std::chrono::seconds>(now - j.misfire_grace);
    control_pool_.post([this, step = j.name, ups, since,
                        once = j.misfire == config::Misfire::run_once] {
      try {
        auto slots = watch_.pending_chain_slots(step, ups, since);
        if (slots.empty()) return;
        if (once) slots.erase(slots.begin(), slots.end() - 1);
        boost::asio::post(io_, [this, step, slots = std::move(slots)] {
          const auto i = job_index(step);
          if (!i || stopping_) return;
          for (const auto& [slot, chain] : slots) {
            spdlog::info("misfire: chain step {} for slot {} was never started", step, when(slot));
            offer_chain(*i, slot, chain);
          }
        });
      } catch (const mysql::DbError& e) {
        spdlog::warn("cannot read the run log for chain steps of {}: {}", step, e.what());
      }
    });
  }
}

void Daemon::rescan_watched() {
  for (const auto& j : plan_.config->jobs) {
    if (j.watch.empty() || !j.enabled) continue;
    std::error_code ec;
    const auto entries = util::list_directory(j.watch, ec);
    if (ec) spdlog::warn("job {}: cannot list {}: {}", j.name, j.watch, ec.message());
    for (const auto& entry : entries) {
      if (entry.regular_file && !entry.name.empty() && entry.name[0] != '.') {
        on_file(j.name, entry.name);
        break;
      }
    }
  }
}

void Daemon::watch_dirs() {
  watchers_.clear();
  const auto& jobs = plan_.config->jobs;
  for (const auto& j : jobs) {
    if (j.watch.empty() || !j.enabled) continue;
    try {
      watchers_.push_back(std::make_unique<DirWatcher>(
          io_, j.watch, [this, name = j.name](const std::string& file) { on_file(name, file); }));
    } catch (const std::runtime_error& e) {
      spdlog::error("job {}: {}; it will not start on new files", j.name, e.what());
      continue;
    }
  }
  rescan_watched();  // files that arrived while the daemon was not watching
}

void Daemon::on_file(const std::string& job, const std::string& file) {
  const auto i = job_index(job);
  if (!i || stopping_) return;
  if (plan_.planner->has_queued(*i)) return;  // the queued run will load it
  if (paused()) {
    spdlog::warn(
        "job {}: {} arrived while the database is unavailable; it is loaded when the "
        "database is back",
        job, file);
    return;
  }
  // One slot per second at most, and never one already used: each arrival gets its own run.
  auto slot = std::chrono::floor<std::chrono::seconds>(SystemClock::now());
  if (const auto it = last_watch_slot_.find(job);
      it != last_watch_slot_.end() && slot <= it->second) {
    slot = it->second + std::chrono::seconds(1);
  }
  last_watch_slot_[job] = slot;
  spdlog::info("job {}: {} in {}; starting it for slot {}", job,
               file.empty() ? "files may have arrived (event queue overflow)" : file + " arrived",
               plan_.config->jobs[*i].watch, when(slot));
  dispatch({plan_.planner->offer(core::Slot{*i, slot, core::RunCause::schedule})});
}

}  // namespace sqlcron::runtime
