#include "config/listen_address.hpp"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <stdexcept>

namespace sqlcron::config {

namespace {

bool ip_literal(const std::string& host, int family) {
  std::array<unsigned char, sizeof(in6_addr)> buf{};
  return ::inet_pton(family, host.c_str(), buf.data()) == 1;
}

}  // namespace

ListenAddress ListenAddress::parse(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) throw std::invalid_argument("no port (expected IP:PORT)");
  std::string host(text.substr(0, colon));
  const auto port_text = text.substr(colon + 1);
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 2 || host.back() != ']') {
      throw std::invalid_argument("'" + host + "' has no closing ']'");
    }
    host = host.substr(1, host.size() - 2);
    if (!ip_literal(host, AF_INET6)) {
      throw std::invalid_argument("'" + host + "' is not an IPv6 address");
    }
  } else if (host.find(':') != std::string::npos) {
    throw std::invalid_argument("an IPv6 address goes in brackets: [" + host +
                                "]:" + std::string(port_text));
  } else if (!ip_literal(host, AF_INET)) {
    throw std::invalid_argument(
        "'" + host + "' is not an IP address (host names are not resolved: write 127.0.0.1, " +
        "0.0.0.0 or an address of this machine)");
  }
  int port = -1;
  const auto* end = port_text.data() + port_text.size();
  const auto [ptr, ec] = std::from_chars(port_text.data(), end, port);
  if (port_text.empty() || ec != std::errc() || ptr != end || port < 0 || port > 65535) {
    throw std::invalid_argument("'" + std::string(port_text) + "' is not a port (0-65535)");
  }
  return ListenAddress{host, static_cast<unsigned short>(port)};
}

}  // namespace sqlcron::config
