// StatusBoard: what the daemon shows of itself - the metrics, /metrics and /healthz on an HTTP
// thread of their own (so that a wedged loop is visible), and the loop's liveness. The loop
// writes it; the HTTP thread reads it.
//
// Error contract: start_http() throws if the address cannot be bound (the daemon does not start
// half-observable); nothing else throws.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "config/config.hpp"
#include "http/http_server.hpp"
#include "metrics/metrics.hpp"

namespace sqlcron::runtime {

class StatusBoard {
 public:
  // How long a database check may go unanswered before /healthz says the database is down.
  static constexpr std::chrono::seconds kUnanswered{4};

  StatusBoard() = default;
  ~StatusBoard();
  StatusBoard(const StatusBoard&) = delete;
  StatusBoard& operator=(const StatusBoard&) = delete;

  void start_http(const config::HttpConfig& http);
  void stop_http();
  [[nodiscard]] metrics::Metrics& metrics() { return metrics_; }

  void tick();                                    // the loop is alive
  void check_posted();                            // a database check was sent
  void check_answered(const std::string& error);  // ... and answered ("" when up)
  void set_database(bool up, bool read_only);

 private:
  [[nodiscard]] http::HealthState health() const;  // HTTP thread

  metrics::Metrics metrics_;
  std::atomic<std::int64_t> loop_tick_{0};  // steady-clock ns of the loop's last tick
  std::atomic<bool> db_up_{true};
  std::atomic<bool> read_only_{false};
  std::atomic<std::int64_t> check_posted_{0};  // steady-clock ns a check was posted; 0: none
  mutable std::mutex mutex_;
  std::string db_error_;  // the last health check's error (guarded by mutex_)
  boost::asio::io_context http_io_;
  std::unique_ptr<http::HttpServer> http_;
  std::thread http_thread_;
};

}  // namespace sqlcron::runtime
