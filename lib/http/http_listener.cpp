#include "http/http_listener.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/system/system_error.hpp>
#include <utility>

namespace sqlcron::http {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

void check(const boost::system::error_code& ec, const std::string& what) {
  if (ec) throw boost::system::system_error(ec, what);
}

// The tail of a throttled warning: how many like it were not logged.
std::string held_back(std::uint64_t n) {
  return n == 0 ? "" : " (" + std::to_string(n) + " more like this since the last such line)";
}

}  // namespace

HttpListener::HttpListener(asio::io_context& io, const std::string& address, unsigned short port,
                           std::shared_ptr<const HttpRoutes> routes)
    : io_(io), acceptor_(io), retry_timer_(io), routes_(std::move(routes)) {
  const std::string where = "http listen address " + address + " port " + std::to_string(port);
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(address, ec);
  check(ec, where + ": not an IP address");
  const tcp::endpoint endpoint(ip, port);
  acceptor_.open(endpoint.protocol(), ec);
  check(ec, where);
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  check(ec, where);
  acceptor_.bind(endpoint, ec);
  check(ec, where);
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  check(ec, where);
  port_ = acceptor_.local_endpoint().port();
}

void HttpListener::start() { accept(); }

void HttpListener::stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  retry_timer_.cancel();
  for (const auto& weak : sessions_) {
    if (const auto session = weak.lock()) session->stop();
  }
  sessions_.clear();
}

void HttpListener::accept() {
  acceptor_.async_accept(
      io_, [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
        self->on_accept(ec, std::move(socket));
      });
}

void HttpListener::on_accept(boost::system::error_code ec, tcp::socket socket) {
  if (stopped_ || ec == asio::error::operation_aborted) return;
  if (ec == asio::error::connection_aborted) {
    accept();  // the client gave up before we took the connection
    return;
  }
  if (ec) {
    // E.g. out of file descriptors: retrying at once would spin.
    if (const auto held = accept_warnings_.allow(std::chrono::steady_clock::now())) {
      spdlog::warn("http: accept failed: {}{}", ec.message(), held_back(*held));
    }
    retry_timer_.expires_after(kAcceptRetry);
    retry_timer_.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
      if (!self->stopped_ && !wait_ec) self->accept();
    });
    return;
  }
  boost::system::error_code peer_ec;
  const auto peer = socket.remote_endpoint(peer_ec).address();
  if (peer_ec) {
    accept();  // already gone
    return;
  }
  if (make_room(peer)) {
    auto session = std::make_shared<HttpSession>(std::move(socket), routes_);
    sessions_.push_back(session);
    session->start();
  } else {
    boost::system::error_code ignored;
    socket.close(ignored);
  }
  accept();
}

bool HttpListener::make_room(const asio::ip::address& peer) {
  std::erase_if(sessions_, [](const auto& weak) { return weak.expired(); });
  const auto from_peer = static_cast<std::size_t>(
      std::count_if(sessions_.begin(), sessions_.end(), [&](const auto& weak) {
        const auto s = weak.lock();
        return s && s->peer_address() == peer;
      }));
  const bool peer_full = from_peer >= kMaxPerPeer;
  if (!peer_full && sessions_.size() < kMaxConnections) return true;
  const auto victim = longest_idle(peer_full ? &peer : nullptr);
  const auto held = limit_warnings_.allow(std::chrono::steady_clock::now());
  const std::string limit =
      peer_full ? std::to_string(from_peer) + " connections open from " + peer.to_string() +
                      " (at most " + std::to_string(kMaxPerPeer) + " per peer)"
                : std::to_string(sessions_.size()) + " connections open (at most " +
                      std::to_string(kMaxConnections) + ")";
  if (!victim) {
    if (held) {
      spdlog::warn("http: {}, none idle: refusing a new one from {}{}", limit, peer.to_string(),
                   held_back(*held));
    }
    return false;
  }
  if (held) {
    const auto idle =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - victim->idle_since());
    spdlog::warn("http: {}: closing the one idle longest ({}, idle {:.1f} s) for a new one{}",
                 limit, victim->peer(), idle.count(), held_back(*held));
  }
  victim->stop();
  std::erase_if(sessions_, [&](const auto& weak) { return weak.lock() == victim; });
  return true;
}

std::shared_ptr<HttpSession> HttpListener::longest_idle(const asio::ip::address* peer) const {
  std::shared_ptr<HttpSession> best;
  for (const auto& weak : sessions_) {
    auto s = weak.lock();
    if (!s || !s->idle() || (peer != nullptr && s->peer_address() != *peer)) continue;
    if (!best || s->idle_since() < best->idle_since()) best = std::move(s);
  }
  return best;
}

}  // namespace sqlcron::http
