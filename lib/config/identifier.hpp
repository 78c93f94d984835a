// SQL identifier validation for names taken from the config (schemas, procedures). We accept the
// unquoted-identifier alphabet of MySQL ([A-Za-z0-9_$], not only digits, at most 64 characters),
// so a valid name never needs escaping; it is still backtick-quoted when used.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sqlcron::config {

// nullopt if `name` is a valid identifier, else why not.
std::optional<std::string> identifier_problem(std::string_view name);

}  // namespace sqlcron::config
