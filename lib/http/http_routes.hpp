// HttpRoutes: turns one HTTP request into its response - GET /metrics (Prometheus text),
// GET /healthz (JSON; 200 when healthy, 503 otherwise), 404 for other paths, 405 for other
// methods on those two. No I/O: HttpSession reads requests and writes responses.
//
// Error contract: respond() lets through what Metrics::render() and the health callback throw
// (HttpSession answers 500); text() never throws except std::bad_alloc.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <string>

#include "http/http_server.hpp"
#include "metrics/metrics.hpp"

namespace sqlcron::http {

class HttpRoutes {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  using Response = boost::beast::http::response<boost::beast::http::string_body>;

  HttpRoutes(const metrics::Metrics& metrics, std::function<HealthState()> health);

  [[nodiscard]] Response respond(const Request& request) const;

  // A text/plain response; `version` is the request's (11 for HTTP/1.1).
  [[nodiscard]] static Response text(boost::beast::http::status status, unsigned version,
                                     bool keep_alive, std::string body);

 private:
  [[nodiscard]] Response healthz(unsigned version, bool keep_alive) const;

  const metrics::Metrics& metrics_;
  std::function<HealthState()> health_;
};

}  // namespace sqlcron::http
