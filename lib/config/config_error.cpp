#include "config/config_error.hpp"

#include "util/utf8.hpp"

namespace sqlcron::config {

namespace {

std::string join(const std::vector<ConfigIssue>& issues) {
  std::string out;
  for (const auto& issue : issues) {
    if (!out.empty()) out += '\n';
    out += issue.to_string();
  }
  return out;
}

}  // namespace

// Paths, keys and messages may quote what the file holds: escaped, an invalid byte or a control
// character cannot garble the terminal or the log line.
std::string ConfigIssue::to_string() const {
  std::string out = util::escape_for_message(file);
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += ": ";
  if (!key.empty()) out += util::escape_for_message(key) + ": ";
  return out + util::escape_for_message(message);
}

ConfigError::ConfigError(std::vector<ConfigIssue> issues)
    : std::runtime_error(join(issues)), issues_(std::move(issues)) {}

}  // namespace sqlcron::config
