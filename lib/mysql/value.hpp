// Value: a parameter bound to a prepared statement, and a cell of a result row.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/sql_value.hpp"

namespace sqlcron::mysql {

using Value = util::SqlValue;             // std::monostate = NULL
using Cell = std::optional<std::string>;  // nullopt = NULL
using Row = std::vector<Cell>;

// NULL for an empty string: optional text columns store NULL rather than ''.
inline Value null_if_empty(const std::string& s) {
  if (s.empty()) return std::monostate{};
  return s;
}

struct ResultSet {
  std::vector<std::string> columns;
  std::vector<Row> rows;
};

}  // namespace sqlcron::mysql
