#include "metrics/metrics_impl.hpp"

#include <algorithm>
#include <utility>

#include "metrics/exposition_writer.hpp"

namespace sqlcron::metrics {

namespace {

Histogram run_duration_histogram() {
  return Histogram{0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600};
}

Histogram fire_lag_histogram() {
  return Histogram{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
}

// A histogram's sum must never decrease (rate() would read a reset), so a negative observation
// (a clock step between scheduling and starting) counts as 0; so does NaN.
double non_negative(std::chrono::duration<double> d) {
  const double s = d.count();
  return s > 0 ? s : 0.0;
}

// Whole seconds and the fraction are converted apart: converting the nanosecond count at once
// would round it to 256 ns first and print as 1780000000.0419998 instead of 1780000000.042.
double unix_seconds(std::chrono::system_clock::time_point at) {
  const auto since_epoch = at.time_since_epoch();
  const auto whole = std::chrono::floor<std::chrono::seconds>(since_epoch);
  return static_cast<double>(whole.count()) +
         std::chrono::duration<double>(since_epoch - whole).count();
}

// The map's entry for `key`, created from `make()` when missing (std::map has no
// heterogeneous try_emplace before C++26).
template <typename Map, typename Make>
typename Map::mapped_type& entry(Map& map, std::string_view key, Make make) {
  auto it = map.find(key);
  if (it == map.end()) it = map.emplace(std::string(key), make()).first;
  return it->second;
}

}  // namespace

MetricsImpl::MetricsImpl() : fire_lag_(fire_lag_histogram()) {}

void MetricsImpl::run_started(std::chrono::duration<double> fire_lag) {
  const std::scoped_lock lock(mutex_);
  fire_lag_.observe(non_negative(fire_lag));
}

void MetricsImpl::run_finished(std::string_view job, std::string_view status,
                               std::chrono::duration<double> duration) {
  const std::scoped_lock lock(mutex_);
  auto& by_status = entry(runs_, job, [] { return ByName<std::uint64_t>{}; });
  ++entry(by_status, status, [] { return std::uint64_t{0}; });
  entry(run_durations_, job, run_duration_histogram).observe(non_negative(duration));
}

void MetricsImpl::set_last_success(std::string_view job, std::chrono::system_clock::time_point at) {
  const std::scoped_lock lock(mutex_);
  entry(last_success_, job, [] { return 0.0; }) = unix_seconds(at);
}

void MetricsImpl::set_next_fire(std::string_view job,
                                std::optional<std::chrono::system_clock::time_point> at) {
  const std::scoped_lock lock(mutex_);
  if (at) {
    entry(next_fire_, job, [] { return 0.0; }) = unix_seconds(*at);
  } else if (const auto it = next_fire_.find(job); it != next_fire_.end()) {
    next_fire_.erase(it);
  }
}

void MetricsImpl::forget_job(std::string_view job) { set_next_fire(job, std::nullopt); }

void MetricsImpl::set_running(int runs) {
  const std::scoped_lock lock(mutex_);
  running_ = runs;
}

void MetricsImpl::set_database_up(bool up) {
  const std::scoped_lock lock(mutex_);
  database_up_ = up;
}

void MetricsImpl::config_reloaded(bool success) {
  const std::scoped_lock lock(mutex_);
  ++(success ? reloads_succeeded_ : reloads_failed_);
}

void MetricsImpl::set_spooled(std::size_t records) {
  const std::scoped_lock lock(mutex_);
  spooled_ = records;
}

void MetricsImpl::set_kill_privilege(bool granted) {
  const std::scoped_lock lock(mutex_);
  kill_privilege_ = granted;
}

void MetricsImpl::kill_failed() {
  const std::scoped_lock lock(mutex_);
  ++kill_failures_;
}

void MetricsImpl::set_results_lost(std::uint64_t total) {
  const std::scoped_lock lock(mutex_);
  results_lost_ = std::max(results_lost_, total);  // a counter never goes down
}

std::string MetricsImpl::render() const {
  const std::scoped_lock lock(mutex_);
  ExpositionWriter w;
  // Families whose series are per job are left out entirely while no job has data.
  if (!runs_.empty()) {
    w.family("sqlcron_runs_total", "counter", "Runs that ended, by job and final status.");
    for (const auto& [job, by_status] : runs_) {
      for (const auto& [status, count] : by_status) {
        w.sample("sqlcron_runs_total", {{"job", job}, {"status", status}}, count);
      }
    }
  }
  if (!run_durations_.empty()) {
    w.family("sqlcron_run_duration_seconds", "histogram", "Duration of runs that ended.");
    for (const auto& [job, histogram] : run_durations_) {
      w.histogram("sqlcron_run_duration_seconds", {{"job", job}}, histogram);
    }
  }
  w.family("sqlcron_fire_lag_seconds", "histogram",
           "Delay from a slot's scheduled instant to its run's start.");
  w.histogram("sqlcron_fire_lag_seconds", {}, fire_lag_);
  if (!last_success_.empty()) {
    w.family("sqlcron_last_success_timestamp_seconds", "gauge",
             "Unix time at which the job's last succeeded run ended.");
    for (const auto& [job, at] : last_success_) {
      w.sample("sqlcron_last_success_timestamp_seconds", {{"job", job}}, at);
    }
  }
  if (!next_fire_.empty()) {
    w.family("sqlcron_next_fire_timestamp_seconds", "gauge",
             "Unix time of the job's next scheduled slot.");
    for (const auto& [job, at] : next_fire_) {
      w.sample("sqlcron_next_fire_timestamp_seconds", {{"job", job}}, at);
    }
  }
  w.family("sqlcron_running_runs", "gauge", "Runs in progress.");
  w.sample("sqlcron_running_runs", {}, static_cast<double>(running_));
  w.family("sqlcron_database_up", "gauge",
           "Whether the database is reachable (1) or not (0), as last checked.");
  w.sample("sqlcron_database_up", {}, database_up_ ? 1.0 : 0.0);
  w.family("sqlcron_config_reloads_total", "counter", "Configuration reloads, by result.");
  w.sample("sqlcron_config_reloads_total", {{"result", "success"}}, reloads_succeeded_);
  w.sample("sqlcron_config_reloads_total", {{"result", "failure"}}, reloads_failed_);
  w.family("sqlcron_spooled_records", "gauge",
           "Run results waiting in the spool to be written to the database.");
  w.sample("sqlcron_spooled_records", {}, static_cast<std::uint64_t>(spooled_));
  w.family("sqlcron_results_lost_total", "counter",
           "Run results that neither the run log nor the spool could take (each logged; their "
           "rows stay running until finished by hand).");
  w.sample("sqlcron_results_lost_total", {}, results_lost_);
  w.family("sqlcron_kill_privilege", "gauge",
           "Whether the account may kill any thread (CONNECTION ADMIN), needed to enforce "
           "timeouts of SQL SECURITY DEFINER procedures (1) or not (0).");
  w.sample("sqlcron_kill_privilege", {}, kill_privilege_ ? 1.0 : 0.0);
  w.family("sqlcron_kill_failures_total", "counter",
           "KILLs for timeouts or shutdown that the server refused or never got.");
  w.sample("sqlcron_kill_failures_total", {}, kill_failures_);
  return std::move(w).take();
}

}  // namespace sqlcron::metrics
