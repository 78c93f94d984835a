#include "config/http_section.hpp"

#include "config/listen_address.hpp"

namespace sqlcron::config {

void read_http(YamlReader& r, const YamlNode& http, HttpConfig& h) {
  if (!http.defined()) return;
  if (!r.expect_map(http, "http")) return;
  r.check_keys(http, "http", kHttpKeys);
  auto listen = r.string(http, "listen", "http");
  if (!listen) return;
  if (*listen == "off") {
    h.enabled = false;
    return;
  }
  try {
    const auto address = ListenAddress::parse(*listen);
    h.address = address.host;
    h.port = address.port;
  } catch (const std::invalid_argument& e) {
    r.issue(http["listen"], "http.listen",
            "'" + *listen + "': " + e.what() +
                "; expected IP:PORT (127.0.0.1:9464, [::1]:9464, 0.0.0.0:9464; port 0 = any " +
                "free port) or off");
  }
}

}  // namespace sqlcron::config
