// A minimal blocking HTTP/1.0 GET over loopback for black-box tests of the daemon's endpoint.
#pragma once

#include <string>

namespace sqlcron::test {

struct HttpResponse {
  int status = 0;
  std::string headers;
  std::string body;
};

// Throws std::runtime_error if nothing answers.
HttpResponse http_get(unsigned short port, const std::string& path);

}  // namespace sqlcron::test
