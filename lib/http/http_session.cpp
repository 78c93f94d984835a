#include "http/http_session.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <exception>
#include <string_view>
#include <utility>

namespace sqlcron::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace beast_http = boost::beast::http;

namespace {

std::string describe(const asio::ip::tcp::socket& socket) {
  beast::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "unknown peer";
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

asio::ip::address address_of(const asio::ip::tcp::socket& socket) {
  beast::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  return ec ? asio::ip::address{} : endpoint.address();
}

bool is_parse_error(const beast::error_code& ec) {
  return ec.category() == beast_http::make_error_code(beast_http::error::bad_target).category();
}

}  // namespace

HttpSession::HttpSession(asio::ip::tcp::socket socket, std::shared_ptr<const HttpRoutes> routes)
    : stream_(std::move(socket)),
      // The whole header must fit in the buffer; leave room past the parser's limit so that an
      // oversized header is reported as header_limit rather than buffer_overflow.
      buffer_(2 * kHeaderLimit),
      routes_(std::move(routes)),
      peer_address_(address_of(stream_.socket())),
      peer_(describe(stream_.socket())),
      idle_since_(std::chrono::steady_clock::now()) {}

void HttpSession::start() { read(); }

void HttpSession::stop() {
  stopped_ = true;
  close();
}

bool HttpSession::idle() const { return reading_ && !stopped_; }

void HttpSession::read() {
  parser_.emplace();
  parser_->header_limit(kHeaderLimit);
  parser_->body_limit(kBodyLimit);
  reading_ = true;
  idle_since_ = std::chrono::steady_clock::now();
  stream_.expires_after(kIoTimeout);
  beast_http::async_read(stream_, buffer_, *parser_,
                         [self = shared_from_this()](beast::error_code ec, std::size_t /*bytes*/) {
                           self->on_read(ec);
                         });
}

void HttpSession::on_read(beast::error_code ec) {
  reading_ = false;
  if (stopped_ || ec == asio::error::operation_aborted) return;
  if (ec == beast_http::error::end_of_stream || ec == asio::error::eof) {
    close();  // the client is done
    return;
  }
  const unsigned version = parser_->get().version() != 0 ? parser_->get().version() : 11;
  if (ec == beast_http::error::header_limit || ec == beast_http::error::buffer_overflow) {
    spdlog::debug("http {}: request header over {} bytes", peer_, kHeaderLimit);
    write(HttpRoutes::text(beast_http::status::request_header_fields_too_large, version, false,
                           "request header too large\n"));
    return;
  }
  if (ec == beast_http::error::body_limit) {
    spdlog::debug("http {}: request body over {} bytes", peer_, kBodyLimit);
    write(HttpRoutes::text(beast_http::status::payload_too_large, version, false,
                           "request body too large\n"));
    return;
  }
  if (ec && is_parse_error(ec)) {
    spdlog::debug("http {}: bad request: {}", peer_, ec.message());
    write(HttpRoutes::text(beast_http::status::bad_request, version, false, "bad request\n"));
    return;
  }
  if (ec) {
    // Timeouts and resets: nobody is left to answer.
    spdlog::debug("http {}: {}", peer_, ec.message());
    close();
    return;
  }
  const auto& request = parser_->get();
  try {
    write(routes_->respond(request));
  } catch (const std::exception& e) {
    const auto method = request.method_string();
    const auto target = request.target();
    spdlog::error("http {}: {} {} failed: {}", peer_,
                  std::string_view(method.data(), method.size()),
                  std::string_view(target.data(), target.size()), e.what());
    write(HttpRoutes::text(beast_http::status::internal_server_error, request.version(), false,
                           "internal error\n"));
  }
}

void HttpSession::write(HttpRoutes::Response response) {
  response_ = std::move(response);
  stream_.expires_after(kIoTimeout);
  beast_http::async_write(stream_, response_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t /*bytes*/) {
                            self->on_write(ec);
                          });
}

void HttpSession::on_write(beast::error_code ec) {
  if (stopped_ || ec == asio::error::operation_aborted) return;
  if (ec) {
    spdlog::debug("http {}: {}", peer_, ec.message());
    close();
    return;
  }
  if (response_.need_eof()) {
    close();
    return;
  }
  read();
}

void HttpSession::close() {
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

}  // namespace sqlcron::http
