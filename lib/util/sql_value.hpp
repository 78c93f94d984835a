// SqlValue: a value bound to a SQL parameter. std::monostate is SQL NULL.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

namespace sqlcron::util {

using SqlValue = std::variant<std::monostate, std::int64_t, double, std::string>;

}  // namespace sqlcron::util
