#include "runtime/http_server.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using sqlcron::metrics::Metrics;
using sqlcron::runtime::HealthState;
using sqlcron::runtime::HttpServer;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using asio::ip::tcp;

namespace {

// The server on 127.0.0.1, an ephemeral port, with its io_context on its own thread (as in the
// daemon). The port is known once the constructor returns: it binds before the thread starts.
class TestServer {
 public:
  TestServer()
      : server_(std::make_unique<HttpServer>(io_, "127.0.0.1", 0, metrics_,
                                             [this] {
                                               const std::scoped_lock lock(mutex_);
                                               return health_;
                                             })),
        thread_([this] { io_.run(); }) {}

  // The server is destroyed on its loop thread; run() then returns only if the server left no
  // work behind (open connections included), so a hang here is a failure.
  ~TestServer() {
    asio::post(io_, [this] { server_.reset(); });
    thread_.join();
  }

  [[nodiscard]] unsigned short port() const { return server_->port(); }
  Metrics& metrics() { return metrics_; }
  void set_health(HealthState h) {
    const std::scoped_lock lock(mutex_);
    health_ = std::move(h);
  }

 private:
  asio::io_context io_;
  Metrics metrics_;
  std::mutex mutex_;
  HealthState health_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

// A blocking HTTP/1.1 client on one keep-alive connection.
class Client {
 public:
  explicit Client(unsigned short port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }

  http::response<http::string_body> request(http::verb verb, const std::string& target,
                                            const std::string& body = "") {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.body() = body;
    req.prepare_payload();
    http::write(socket_, req);
    return read();
  }

  void send_raw(const std::string& bytes) { asio::write(socket_, asio::buffer(bytes)); }

  http::response<http::string_body> read() {
    http::response<http::string_body> res;
    http::read(socket_, buffer_, res);
    return res;
  }

  // True when the server has closed the connection (reads end of stream).
  bool closed_by_server() {
    char byte = 0;
    beast::error_code ec;
    socket_.read_some(asio::buffer(&byte, 1), ec);
    return ec == asio::error::eof;
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

std::string content_type(const http::response<http::string_body>& res) {
  return std::string(res[http::field::content_type]);
}

}  // namespace

TEST_CASE("http: GET /metrics serves Metrics::render() as Prometheus text", "[http]") {
  TestServer server;
  server.metrics().run_finished("nightly", "succeeded", 1500ms);
  server.metrics().set_database_up(true);
  Client client(server.port());

  const auto res = client.request(http::verb::get, "/metrics");
  CHECK(res.result() == http::status::ok);
  CHECK(content_type(res) == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(res.body() == server.metrics().render());
  CHECK_THAT(res.body(),
             Catch::Contains("sqlcron_runs_total{job=\"nightly\",status=\"succeeded\"} 1\n"));

  // Same connection (keep-alive), a query string is ignored.
  const auto again = client.request(http::verb::get, "/metrics?name[]=sqlcron_database_up");
  CHECK(again.result() == http::status::ok);
  CHECK(again.body() == res.body());
}

TEST_CASE("http: /healthz is 200 when healthy and 503 with the reason otherwise", "[http]") {
  TestServer server;
  Client client(server.port());

  auto res = client.request(http::verb::get, "/healthz");
  CHECK(res.result() == http::status::ok);
  CHECK(content_type(res) == "application/json");
  CHECK(res.body() ==
        "{\"status\":\"ok\",\"loop\":\"alive\",\"database\":\"up\",\"read_only\":false}\n");

  server.set_health({.loop_alive = true, .database_up = true, .read_only = true, .detail = {}});
  res = client.request(http::verb::get, "/healthz");
  CHECK(res.result() == http::status::ok);
  CHECK(res.body() ==
        "{\"status\":\"ok\",\"loop\":\"alive\",\"database\":\"up\",\"read_only\":true}\n");

  server.set_health({.loop_alive = true,
                     .database_up = false,
                     .read_only = false,
                     .detail = "error 2003: Can't connect to \"db1\"\n\t(111)"});
  res = client.request(http::verb::get, "/healthz");
  CHECK(res.result() == http::status::service_unavailable);
  CHECK(content_type(res) == "application/json");
  CHECK(res.body() ==
        "{\"status\":\"unavailable\",\"loop\":\"alive\",\"database\":\"down\",\"read_only\":false,"
        "\"detail\":\"error 2003: Can't connect to \\\"db1\\\"\\n\\t(111)\"}\n");

  server.set_health({.loop_alive = false,
                     .database_up = true,
                     .read_only = false,
                     .detail = "event loop stalled for 30 s"});
  res = client.request(http::verb::get, "/healthz");
  CHECK(res.result() == http::status::service_unavailable);
  CHECK(res.body() ==
        "{\"status\":\"unavailable\",\"loop\":\"stalled\",\"database\":\"up\",\"read_only\":false,"
        "\"detail\":\"event loop stalled for 30 s\"}\n");
}

TEST_CASE("http: unknown paths are 404, other methods 405", "[http]") {
  TestServer server;
  Client client(server.port());

  auto res = client.request(http::verb::get, "/nope");
  CHECK(res.result() == http::status::not_found);

  res = client.request(http::verb::post, "/metrics", "x=1");
  CHECK(res.result() == http::status::method_not_allowed);
  CHECK(res[http::field::allow] == "GET");

  res = client.request(http::verb::delete_, "/healthz");
  CHECK(res.result() == http::status::method_not_allowed);

  // The connection survived all of that.
  res = client.request(http::verb::get, "/healthz");
  CHECK(res.result() == http::status::ok);
}

TEST_CASE("http: an oversized header is refused with 431 and the connection closed", "[http]") {
  TestServer server;
  Client client(server.port());
  client.send_raw("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " +
                  std::string(9000, 'a') + "\r\n\r\n");
  const auto res = client.read();
  CHECK(res.result() == http::status::request_header_fields_too_large);
  CHECK(client.closed_by_server());
}

TEST_CASE("http: garbage is answered with 400 and the connection closed", "[http]") {
  TestServer server;
  Client client(server.port());
  client.send_raw("NOT HTTP AT ALL\r\n\r\n");
  const auto res = client.read();
  CHECK(res.result() == http::status::bad_request);
  CHECK(client.closed_by_server());
}

TEST_CASE("http: HTTP/1.0 without keep-alive gets its answer, then the server closes", "[http]") {
  TestServer server;
  Client client(server.port());
  client.send_raw("GET /healthz HTTP/1.0\r\n\r\n");
  const auto res = client.read();
  CHECK(res.result() == http::status::ok);
  CHECK(res.version() == 10);
  CHECK(client.closed_by_server());
}

TEST_CASE("http: destroying the server closes idle keep-alive connections", "[http]") {
  std::optional<Client> client;  // outlives the server
  {
    TestServer server;
    client.emplace(server.port());
    CHECK(client->request(http::verb::get, "/healthz").result() == http::status::ok);
  }  // ~TestServer joins the loop thread: it returns only once the connection is gone
  CHECK(client->closed_by_server());
}

TEST_CASE("http: the constructor throws when it cannot listen", "[http]") {
  TestServer first;
  asio::io_context io;
  const Metrics metrics;
  const auto health = [] { return HealthState{}; };
  CHECK_THROWS_AS(HttpServer(io, "127.0.0.1", first.port(), metrics, health),
                  boost::system::system_error);
  CHECK_THROWS_WITH(HttpServer(io, "not-an-ip", 0, metrics, health),
                    Catch::Contains("not an IP address"));
}
