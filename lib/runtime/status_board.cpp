#include "runtime/status_board.hpp"

#include <spdlog/spdlog.h>

namespace sqlcron::runtime {

namespace {

using SteadyClock = std::chrono::steady_clock;

std::int64_t steady_now() { return SteadyClock::now().time_since_epoch().count(); }

SteadyClock::time_point steady_at(std::int64_t ns) {
  return SteadyClock::time_point(SteadyClock::duration(ns));
}

}  // namespace

StatusBoard::~StatusBoard() { stop_http(); }

void StatusBoard::start_http(const config::HttpConfig& http) {
  if (!http.enabled) return;
  http_ = std::make_unique<http::HttpServer>(http_io_, http.address, http.port, metrics_,
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

void StatusBoard::stop_http() {
  http_io_.stop();
  if (http_thread_.joinable()) http_thread_.join();
}

void StatusBoard::tick() { loop_tick_ = steady_now(); }

void StatusBoard::check_posted() { check_posted_ = steady_now(); }

void StatusBoard::check_answered(const std::string& error) {
  check_posted_ = 0;
  const std::lock_guard lock(mutex_);
  db_error_ = error;
}

void StatusBoard::set_database(bool up, bool read_only) {
  db_up_ = up;
  read_only_ = up && read_only;
  metrics_.set_database_up(up);
}

http::HealthState StatusBoard::health() const {
  http::HealthState h;
  h.loop_alive = SteadyClock::now() - steady_at(loop_tick_.load()) < std::chrono::seconds(5);
  h.database_up = db_up_;
  h.read_only = read_only_;
  const auto posted = check_posted_.load();
  const bool unanswered = posted != 0 && SteadyClock::now() - steady_at(posted) > kUnanswered;
  if (!h.loop_alive) h.detail = "the event loop has not ticked for 5 s";
  if (unanswered) {
    h.database_up = false;
    h.detail = "the database has not answered a check for " + std::to_string(kUnanswered.count()) +
               " s (frozen, or the network is partitioned)";
  } else if (!h.database_up) {
    const std::lock_guard lock(mutex_);
    h.detail = "the database is unreachable: " + db_error_;
  }
  return h;
}

}  // namespace sqlcron::runtime
