// HttpListener: the listening socket of HttpServer. Accepts connections on the io_context and
// starts an HttpSession for each. At most kMaxConnections are open, and at most kMaxPerPeer from
// one peer address: at either limit the connection idle longest (of that peer, at the per-peer
// limit) is closed to make room, so idle sockets cannot keep a scrape out; only when none is
// idle is the new connection refused. Those events are logged at most once per kWarnEvery, with
// a count of the ones held back. Shared (handlers hold it) so that a completion arriving after
// stop() is harmless.
//
// Error contract: the constructor throws boost::system::system_error (naming the address) when
// it cannot listen; accept errors are logged and retried after a short pause. Not thread-safe:
// start() and stop() run on the io_context's thread, or while it is not running.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "http/http_routes.hpp"
#include "http/http_session.hpp"
#include "util/log_throttle.hpp"

namespace sqlcron::http {

class HttpListener : public std::enable_shared_from_this<HttpListener> {
 public:
  static constexpr std::size_t kMaxConnections = 64;
  static constexpr std::size_t kMaxPerPeer = 16;
  static constexpr std::chrono::milliseconds kAcceptRetry{100};
  static constexpr std::chrono::seconds kWarnEvery{10};

  HttpListener(boost::asio::io_context& io, const std::string& address, unsigned short port,
               std::shared_ptr<const HttpRoutes> routes);

  void start();
  // Closes the listening socket and every open connection; no handler does anything afterwards.
  void stop();
  [[nodiscard]] unsigned short port() const { return port_; }

 private:
  void accept();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);
  // Makes room for a connection from `peer`: false if it must be refused.
  bool make_room(const boost::asio::ip::address& peer);
  // The open connection idle longest, of `peer` only if given; null if none is idle.
  [[nodiscard]] std::shared_ptr<HttpSession> longest_idle(
      const boost::asio::ip::address* peer) const;

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  std::shared_ptr<const HttpRoutes> routes_;
  std::vector<std::weak_ptr<HttpSession>> sessions_;
  util::LogThrottle limit_warnings_{kWarnEvery};
  util::LogThrottle accept_warnings_{kWarnEvery};
  unsigned short port_ = 0;
  bool stopped_ = false;
};

}  // namespace sqlcron::http
