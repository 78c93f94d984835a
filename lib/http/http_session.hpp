// HttpSession: one accepted HTTP/1.1 connection - reads requests (keep-alive), answers them with
// HttpRoutes and writes the responses, on the io_context's thread. Guards against abuse: headers
// and bodies are capped at 8 KiB (431 / 413, then close) and every read or write must finish
// within 10 s (otherwise the connection is closed).
//
// It tells its listener whether it is idle - waiting for (the rest of) a request, no response in
// progress - and since when, so that at the connection limit the listener can close the one
// idle longest instead of refusing a new client.
//
// Error contract: nothing throws out of its handlers; a failing connection is logged (debug
// level, except internal errors) and closed. stop() closes it at once and guarantees that no
// later handler touches the routes.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "http/http_routes.hpp"

namespace sqlcron::http {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  static constexpr std::size_t kHeaderLimit = std::size_t{8} * 1024;
  static constexpr std::size_t kBodyLimit = std::size_t{8} * 1024;
  static constexpr std::chrono::seconds kIoTimeout{10};

  HttpSession(boost::asio::ip::tcp::socket socket, std::shared_ptr<const HttpRoutes> routes);

  void start();
  void stop();

  // Waiting for a request, with no response in progress: a keep-alive connection between
  // requests, a new one that has sent nothing yet, or one whose request is still arriving (a
  // slow client - or a slowloris holding slots with half-sent requests: it may be closed too).
  [[nodiscard]] bool idle() const;
  // When it began waiting for its current (or next) request.
  [[nodiscard]] std::chrono::steady_clock::time_point idle_since() const { return idle_since_; }
  [[nodiscard]] const boost::asio::ip::address& peer_address() const { return peer_address_; }
  [[nodiscard]] const std::string& peer() const { return peer_; }

 private:
  void read();
  void on_read(boost::beast::error_code ec);
  void write(HttpRoutes::Response response);
  void on_write(boost::beast::error_code ec);
  void close();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  HttpRoutes::Response response_;  // kept alive while it is written
  std::shared_ptr<const HttpRoutes> routes_;
  boost::asio::ip::address peer_address_;
  std::string peer_;  // for log lines
  std::chrono::steady_clock::time_point idle_since_;
  bool reading_ = false;  // a request is being read (or awaited)
  bool stopped_ = false;
};

}  // namespace sqlcron::http
