// Reading the `http:` section: `listen: "127.0.0.1:9464"` - an IPv4 or [IPv6] address and a port,
// or "off".
//
// Error contract: never throws; problems are recorded in the YamlReader.
#pragma once

#include "config/config.hpp"
#include "config/yaml_reader.hpp"

namespace sqlcron::config {

void read_http(YamlReader& r, const YamlNode& http, HttpConfig& h);

}  // namespace sqlcron::config
