// Daemon, part 2: the database - health checks, outages, read-only, catch-up (daemon.hpp).
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

}  // namespace sqlcron::runtime
