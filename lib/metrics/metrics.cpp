#include "metrics/metrics.hpp"

#include "metrics/metrics_impl.hpp"

namespace sqlcron::metrics {

Metrics::Metrics() : impl_(std::make_unique<MetricsImpl>()) {}

Metrics::~Metrics() = default;

// The fire-lag histogram has no job label (one series for the daemon); `job` is part of the
// interface so the call sites read naturally and a per-job series can be added later.
void Metrics::run_started(std::string_view /*job*/, std::chrono::duration<double> fire_lag) {
  impl_->run_started(fire_lag);
}

void Metrics::run_finished(std::string_view job, std::string_view status,
                           std::chrono::duration<double> duration) {
  impl_->run_finished(job, status, duration);
}

void Metrics::set_last_success(std::string_view job, std::chrono::system_clock::time_point at) {
  impl_->set_last_success(job, at);
}

void Metrics::set_next_fire(std::string_view job,
                            std::optional<std::chrono::system_clock::time_point> at) {
  impl_->set_next_fire(job, at);
}

void Metrics::forget_job(std::string_view job) { impl_->forget_job(job); }

void Metrics::set_running(int runs) { impl_->set_running(runs); }

void Metrics::set_database_up(bool up) { impl_->set_database_up(up); }

void Metrics::config_reloaded(bool success) { impl_->config_reloaded(success); }

void Metrics::set_spooled(std::size_t records) { impl_->set_spooled(records); }
void Metrics::set_results_lost(std::uint64_t total) { impl_->set_results_lost(total); }

void Metrics::set_kill_privilege(bool granted) { impl_->set_kill_privilege(granted); }

void Metrics::kill_failed() { impl_->kill_failed(); }

std::string Metrics::render() const { return impl_->render(); }

}  // namespace sqlcron::metrics
