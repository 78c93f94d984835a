// Renders rows of text cells (NULL = nullopt) for people and programs: an aligned table, JSON
// (an array of objects; the columns named numeric are numbers, the rest strings) or CSV
// (RFC 4180).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sqlcron::util {

using Cells = std::vector<std::optional<std::string>>;

// Columns separated by two spaces; NULL shows as "-"; newlines in cells become spaces; cells
// longer than max_cell are cut with "...".
std::string format_table(const std::vector<std::string>& columns, const std::vector<Cells>& rows,
                         std::size_t max_cell = 60);
std::string format_json(const std::vector<std::string>& columns, const std::vector<Cells>& rows,
                        const std::set<std::string>& numeric_columns);
std::string format_csv(const std::vector<std::string>& columns, const std::vector<Cells>& rows);

std::string json_escape(const std::string& s);
// A JSON array of strings, `["a", "b"]`: how argv is stored (notifications.command).
std::string json_string_array(const std::vector<std::string>& items);

}  // namespace sqlcron::util
