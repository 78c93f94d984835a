// SqlScript: splits a SQL file into statements the way the mysql client does: statements end
// at the current delimiter (";" until a "DELIMITER xx" line changes it) outside quotes, backticks
// and comments. Pure text processing; no database.
//
// Error contract: split() throws std::invalid_argument naming the line of an unterminated quote
// or comment.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sqlcron::migrate {

struct SqlStatement {
  std::string text;  // without the delimiter, trimmed
  int line = 1;      // line where the statement starts (1-based)
};

class SqlScript {
 public:
  static std::vector<SqlStatement> split(std::string_view script);
};

}  // namespace sqlcron::migrate
