// Metrics: the daemon's counters, gauges and histograms, rendered in the Prometheus text
// exposition format (version 0.0.4) for GET /metrics. Thread-safe: the event loop and workers
// update it, the HTTP server renders it.
//
// Metric names (all prefixed sqlcron_):
//   runs_total{job,status}                counter
//   run_duration_seconds{job}             histogram
//   fire_lag_seconds                      histogram  (started_at - scheduled_for)
//   last_success_timestamp_seconds{job}   gauge      (unix time of the last succeeded run's end)
//   next_fire_timestamp_seconds{job}      gauge      (absent when the job will not fire again)
//   running_runs                          gauge
//   database_up                           gauge      (1 / 0)
//   config_reloads_total{result}          counter    (result = success | failure)
//   spooled_records                       gauge      (run results waiting in the spool)
//   kill_privilege                        gauge      (1: the account may kill any thread)
//   kill_failures_total                   counter    (KILLs the server refused or did not get)
//   results_lost_total                    counter    (results neither the run log nor the spool
//                                                     took: disk full while the database was away)
//
// Error contract: nothing throws except std::bad_alloc.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sqlcron::metrics {

class MetricsImpl;

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  void run_started(std::string_view job, std::chrono::duration<double> fire_lag);
  void run_finished(std::string_view job, std::string_view status,
                    std::chrono::duration<double> duration);
  void set_last_success(std::string_view job, std::chrono::system_clock::time_point at);
  void set_next_fire(std::string_view job, std::optional<std::chrono::system_clock::time_point> at);
  void forget_job(std::string_view job);  // removed by a reload: drop its next-fire gauge
  void set_running(int runs);
  void set_database_up(bool up);
  void config_reloaded(bool success);
  void set_spooled(std::size_t records);
  void set_kill_privilege(bool granted);
  void kill_failed();
  void set_results_lost(std::uint64_t total);  // the total so far (Spool::lost())

  [[nodiscard]] std::string render() const;

 private:
  std::unique_ptr<MetricsImpl> impl_;
};

}  // namespace sqlcron::metrics
