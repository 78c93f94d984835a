#include "config/identifier.hpp"

#include <algorithm>
#include <cctype>

namespace sqlcron::config {

std::optional<std::string> identifier_problem(std::string_view name) {
  if (name.empty()) return "empty name";
  if (name.size() > 64) return "'" + std::string(name) + "' is longer than 64 characters";
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) == 0 && c != '_' && c != '$') {
      return "'" + std::string(name) + "' is not a valid identifier: '" + std::string(1, c) +
             "' is not allowed (letters, digits, _ and $ only)";
    }
  }
  if (std::all_of(name.begin(), name.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
    return "'" + std::string(name) + "' is not a valid identifier: it is all digits";
  }
  return std::nullopt;
}

}  // namespace sqlcron::config
