// OptionFile: reads the [client] group of a my.cnf-style option file, as the mysql tools do:
// `key=value` lines (spaces around '=' allowed, '-' and '_' in keys equivalent), values
// optionally in single or double quotes, comments starting with '#' or ';'. Other groups are
// ignored; !include / !includedir are not followed (reported as an error).
//
// Error contract: parse() throws std::invalid_argument("line N: ...") for malformed input.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace sqlcron::config {

class OptionFile {
 public:
  // The [client] group's options, keys normalised to lower case with '_'.
  static std::map<std::string, std::string> parse(std::string_view text);
};

}  // namespace sqlcron::config
