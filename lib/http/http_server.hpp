// HttpServer: GET /metrics (Prometheus text format) and GET /healthz (200 + JSON when the event
// loop is alive and the database reachable, 503 + JSON otherwise) on one TCP endpoint, served
// with Boost.Beast on the daemon's io_context. Anything else is 404; non-GET is 405.
//
// Error contract: the constructor throws boost::system::system_error if it cannot listen (the
// daemon reports it and exits); a failing connection is logged and closed, never fatal.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>

#include "metrics/metrics.hpp"

namespace sqlcron::http {

struct HealthState {
  bool loop_alive = true;
  bool database_up = true;
  bool read_only = false;
  std::string detail;  // e.g. the last database error
};

class HttpServerImpl;

class HttpServer {
 public:
  // `address` is an IP literal (127.0.0.1, ::1, 0.0.0.0); `port` 0 picks a free port (see port()).
  HttpServer(boost::asio::io_context& io, const std::string& address, unsigned short port,
             const metrics::Metrics& metrics, std::function<HealthState()> health);
  ~HttpServer();
  [[nodiscard]] unsigned short port() const;

 private:
  std::unique_ptr<HttpServerImpl> impl_;
};

}  // namespace sqlcron::http
