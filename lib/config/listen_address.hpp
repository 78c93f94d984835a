// ListenAddress: the value of http.listen, "IP:PORT" - an IPv4 literal (127.0.0.1:9464) or an
// IPv6 literal in brackets ([::1]:9464), port 0 for any free port. Host names are not resolved:
// the daemon binds exactly the address written.
//
// Error contract: parse() throws std::invalid_argument saying what is wrong with the text.
#pragma once

#include <string>
#include <string_view>

namespace sqlcron::config {

struct ListenAddress {
  std::string host;  // the IP literal, without brackets
  unsigned short port = 0;

  static ListenAddress parse(std::string_view text);
};

}  // namespace sqlcron::config
