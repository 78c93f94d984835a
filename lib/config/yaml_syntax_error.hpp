// YamlSyntaxError: the text is not valid YAML (or holds something the config format refuses at
// the YAML level: a duplicate key in one mapping, more than one document). Carries the 0-based
// line and column where the parser stopped.
#pragma once

#include <stdexcept>
#include <string>

namespace sqlcron::config {

class YamlSyntaxError : public std::runtime_error {
 public:
  YamlSyntaxError(const std::string& message, int line, int column)
      : std::runtime_error(message), line_(line), column_(column) {}

  [[nodiscard]] int line() const { return line_; }
  [[nodiscard]] int column() const { return column_; }

 private:
  int line_;
  int column_;
};

}  // namespace sqlcron::config
