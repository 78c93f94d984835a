#include "http/listen_check.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace sqlcron::http {

std::optional<std::string> listen_problem(const std::string& address, unsigned short port) {
  namespace asio = boost::asio;
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(address, ec);
  const std::string where =
      (ip.is_v6() ? "[" + address + "]" : address) + ":" + std::to_string(port);
  if (ec) return "cannot listen on " + where + ": not an IP address";
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io);
  const asio::ip::tcp::endpoint endpoint(ip, port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return "cannot listen on " + where + ": " + ec.message();
  acceptor.close(ec);
  return std::nullopt;
}

}  // namespace sqlcron::http
