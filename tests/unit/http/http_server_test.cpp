#include "http/http_server.hpp"

#include <poll.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http/http_listener.hpp"
#include "support/log_capture.hpp"

using namespace std::chrono_literals;
using sqlcron::http::HealthState;
using sqlcron::http::HttpListener;
using sqlcron::http::HttpServer;
using sqlcron::metrics::Metrics;

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
  // `from`: the local address to connect from (any of 127.0.0.0/8 reaches the server), so that
  // tests can play several peers.
  explicit Client(unsigned short port, const std::string& from = "") : socket_(io_) {
    if (!from.empty()) {
      socket_.open(tcp::v4());
      socket_.bind(tcp::endpoint(asio::ip::make_address(from), 0));
    }
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
    // Bounded: a server that never answers fails the test instead of hanging it.
    REQUIRE(readable_within(5s));
    http::response<http::string_body> res;
    http::read(socket_, buffer_, res);
    return res;
  }

  // True when the server has closed the connection (reads end of stream).
  bool closed_by_server() {
    if (!readable_within(5s)) return false;
    char byte = 0;
    beast::error_code ec;
    socket_.read_some(asio::buffer(&byte, 1), ec);
    return ec == asio::error::eof;
  }

 private:
  bool readable_within(std::chrono::milliseconds limit) {
    if (buffer_.size() > 0) return true;
    pollfd p{socket_.native_handle(), POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(limit.count())) == 1;
  }

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

TEST_CASE("http: 80 idle connections from one peer do not keep a scrape out", "[http]") {
  const sqlcron::test::LogCapture log;
  TestServer server;
  std::vector<std::unique_ptr<Client>> idle;
  idle.reserve(80);
  for (int i = 0; i < 80; ++i) idle.push_back(std::make_unique<Client>(server.port()));
  const auto start = std::chrono::steady_clock::now();
  Client scraper(server.port());
  const auto res = scraper.request(http::verb::get, "/metrics");
  CHECK(res.result() == http::status::ok);
  CHECK(std::chrono::steady_clock::now() - start < 2s);
  // The oldest idle ones made room; the warning about it is not repeated for each.
  CHECK(idle.front()->closed_by_server());
  CHECK(log.count("http: ") <= 2);
}

TEST_CASE("http: at the global cap the longest idle connection makes room for a new one",
          "[http]") {
  TestServer server;
  std::vector<std::unique_ptr<Client>> idle;
  // Four peers, each under the per-peer limit, fill the server.
  for (std::size_t i = 0; i < HttpListener::kMaxConnections; ++i) {
    const auto peer = "127.0.0." + std::to_string(2 + i % 4);
    idle.push_back(std::make_unique<Client>(server.port(), peer));
  }
  // A connection that is used stays: it was idle for less time than the others.
  CHECK(idle.front()->request(http::verb::get, "/healthz").result() == http::status::ok);
  Client newcomer(server.port(), "127.0.0.9");
  CHECK(newcomer.request(http::verb::get, "/healthz").result() == http::status::ok);
  CHECK(idle[1]->closed_by_server());
  CHECK(idle.front()->request(http::verb::get, "/healthz").result() == http::status::ok);
}

TEST_CASE("http: one peer holds at most kMaxPerPeer connections, other peers are untouched",
          "[http]") {
  TestServer server;
  Client other(server.port(), "127.0.0.3");
  std::vector<std::unique_ptr<Client>> mine;
  for (std::size_t i = 0; i <= HttpListener::kMaxPerPeer; ++i) {
    mine.push_back(std::make_unique<Client>(server.port(), "127.0.0.2"));
  }
  CHECK(mine.back()->request(http::verb::get, "/healthz").result() == http::status::ok);
  CHECK(mine.front()->closed_by_server());
  CHECK(other.request(http::verb::get, "/healthz").result() == http::status::ok);
}

TEST_CASE("http: half-sent requests (slowloris) do not keep a health probe out", "[http]") {
  TestServer server;
  std::vector<std::unique_ptr<Client>> slow;
  for (std::size_t i = 0; i < HttpListener::kMaxPerPeer; ++i) {
    slow.push_back(std::make_unique<Client>(server.port()));
    slow.back()->send_raw("GET /metrics HTTP/1.1\r\n");  // and never the rest
  }
  Client probe(server.port());
  CHECK(probe.request(http::verb::get, "/healthz").result() == http::status::ok);
  CHECK(slow.front()->closed_by_server());
}
