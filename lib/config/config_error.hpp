// ConfigError: the config is invalid. Holds every problem found (not only the first), each naming
// file, line, column and key. what() is all of them, one per line:
//   /etc/sqlcron/sqlcron.yaml:12:15: jobs[0].schedule: day-of-month: 32 is out of range 1-31
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace sqlcron::config {

struct ConfigIssue {
  std::string file;
  int line = 0;     // 1-based; 0 when the problem is not at a place in a file
  int column = 0;   // 1-based
  std::string key;  // dotted path, e.g. "jobs[2].timezone"
  std::string message;

  // "file:line:column: key: message", with invalid UTF-8 and control bytes escaped (\xFF).
  [[nodiscard]] std::string to_string() const;
};

class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<ConfigIssue> issues);
  [[nodiscard]] const std::vector<ConfigIssue>& issues() const { return issues_; }

 private:
  std::vector<ConfigIssue> issues_;
};

}  // namespace sqlcron::config
