#include "http/http_routes.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <string_view>
#include <utility>

#include "util/result_format.hpp"

namespace sqlcron::http {

namespace beast_http = boost::beast::http;

namespace {

constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string json_string(std::string_view text) {
  return "\"" + util::json_escape(std::string(text)) + "\"";
}

bool healthy(const HealthState& h) { return h.loop_alive && h.database_up; }

std::string health_json(const HealthState& h) {
  std::string out = "{\"status\":";
  out += healthy(h) ? "\"ok\"" : "\"unavailable\"";
  out += ",\"loop\":";
  out += h.loop_alive ? "\"alive\"" : "\"stalled\"";
  out += ",\"database\":";
  out += h.database_up ? "\"up\"" : "\"down\"";
  out += ",\"read_only\":";
  out += h.read_only ? "true" : "false";
  if (!h.detail.empty()) out += ",\"detail\":" + json_string(h.detail);
  out += "}\n";
  return out;
}

// The path without a query string: scrapers may add one (`/metrics?name[]=...`).
std::string_view path_of(boost::beast::string_view target) {
  const std::string_view t(target.data(), target.size());
  return t.substr(0, t.find('?'));
}

}  // namespace

HttpRoutes::HttpRoutes(const metrics::Metrics& metrics, std::function<HealthState()> health)
    : metrics_(metrics), health_(std::move(health)) {}

HttpRoutes::Response HttpRoutes::text(beast_http::status status, unsigned version, bool keep_alive,
                                      std::string body) {
  Response res{status, version};
  res.set(beast_http::field::server, "sqlcrond");
  res.set(beast_http::field::content_type, "text/plain; charset=utf-8");
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

HttpRoutes::Response HttpRoutes::respond(const Request& request) const {
  const auto path = path_of(request.target());
  const auto version = request.version();
  const bool keep_alive = request.keep_alive();
  if (path != "/metrics" && path != "/healthz") {
    return text(beast_http::status::not_found, version, keep_alive, "not found\n");
  }
  if (request.method() != beast_http::verb::get) {
    auto res =
        text(beast_http::status::method_not_allowed, version, keep_alive, "method not allowed\n");
    res.set(beast_http::field::allow, "GET");
    return res;
  }
  if (path == "/healthz") return healthz(version, keep_alive);

  Response res{beast_http::status::ok, version};
  res.set(beast_http::field::server, "sqlcrond");
  res.set(beast_http::field::content_type, kMetricsContentType);
  res.keep_alive(keep_alive);
  res.body() = metrics_.render();
  res.prepare_payload();
  return res;
}

HttpRoutes::Response HttpRoutes::healthz(unsigned version, bool keep_alive) const {
  const HealthState state = health_();
  Response res{healthy(state) ? beast_http::status::ok : beast_http::status::service_unavailable,
               version};
  res.set(beast_http::field::server, "sqlcrond");
  res.set(beast_http::field::content_type, "application/json");
  res.set(beast_http::field::cache_control, "no-store");
  res.keep_alive(keep_alive);
  res.body() = health_json(state);
  res.prepare_payload();
  return res;
}

}  // namespace sqlcron::http
