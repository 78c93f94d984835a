// MetricsImpl: the state behind Metrics - per-job counters, histograms and gauges in maps sorted
// by job name (so render() is deterministic), guarded by one mutex. Updates are a few map
// operations, cheap next to a run, so the event loop, workers and the HTTP server share the lock.
//
// Error contract: nothing throws except std::bad_alloc.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "metrics/histogram.hpp"

namespace sqlcron::metrics {

class MetricsImpl {
 public:
  MetricsImpl();

  void run_started(std::chrono::duration<double> fire_lag);
  void run_finished(std::string_view job, std::string_view status,
                    std::chrono::duration<double> duration);
  void set_last_success(std::string_view job, std::chrono::system_clock::time_point at);
  void set_next_fire(std::string_view job, std::optional<std::chrono::system_clock::time_point> at);
  void forget_job(std::string_view job);
  void set_running(int runs);
  void set_database_up(bool up);
  void config_reloaded(bool success);
  void set_spooled(std::size_t records);
  void set_kill_privilege(bool granted);
  void kill_failed();
  void set_results_lost(std::uint64_t total);

  [[nodiscard]] std::string render() const;

 private:
  template <typename T>
  using ByName = std::map<std::string, T, std::less<>>;

  mutable std::mutex mutex_;
  ByName<ByName<std::uint64_t>> runs_;  // job -> status -> count
  ByName<Histogram> run_durations_;
  Histogram fire_lag_;
  ByName<double> last_success_;  // unix seconds
  ByName<double> next_fire_;     // unix seconds
  int running_ = 0;
  bool database_up_ = false;
  std::uint64_t reloads_succeeded_ = 0;
  std::uint64_t reloads_failed_ = 0;
  std::size_t spooled_ = 0;
  bool kill_privilege_ = true;
  std::uint64_t kill_failures_ = 0;
  std::uint64_t results_lost_ = 0;
};

}  // namespace sqlcron::metrics
