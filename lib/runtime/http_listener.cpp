#include "runtime/http_listener.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/system/system_error.hpp>
#include <utility>

namespace sqlcron::runtime {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

void check(const boost::system::error_code& ec, const std::string& what) {
  if (ec) throw boost::system::system_error(ec, what);
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
    spdlog::warn("http: accept failed: {}", ec.message());
    retry_timer_.expires_after(kAcceptRetry);
    retry_timer_.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
      if (!self->stopped_ && !wait_ec) self->accept();
    });
    return;
  }
  std::erase_if(sessions_, [](const auto& weak) { return weak.expired(); });
  if (sessions_.size() >= kMaxConnections) {
    spdlog::warn("http: {} connections open, refusing another", sessions_.size());
    boost::system::error_code ignored;
    socket.close(ignored);
  } else {
    auto session = std::make_shared<HttpSession>(std::move(socket), routes_);
    sessions_.push_back(session);
    session->start();
  }
  accept();
}

}  // namespace sqlcron::runtime
