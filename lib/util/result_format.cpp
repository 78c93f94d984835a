#include "util/result_format.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include "util/utf8.hpp"

namespace sqlcron::util {

namespace {

bool is_json_number(const std::string& s) {
  // -?(0|[1-9]\d*)(\.\d+)?  - what MySQL prints for integers and decimals.
  std::size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  if (i >= s.size()) return false;
  if (s[i] == '0') {
    ++i;
  } else if (s[i] >= '1' && s[i] <= '9') {
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  } else {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    const auto digits = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == digits) return false;
  }
  return i == s.size();
}

std::string table_cell(const std::optional<std::string>& c, std::size_t max_cell) {
  std::string s = c.value_or("-");
  std::replace(s.begin(), s.end(), '\n', ' ');
  std::replace(s.begin(), s.end(), '\r', ' ');
  // Any other control byte, line break (NEL, U+2028/9) or invalid byte escaped; cut at a
  // character, never inside one.
  s = escape_for_message(s);
  if (s.size() > max_cell) s = text_for_column(s, max_cell - 3) + "...";
  return s;
}

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string json_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size() + 2);
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          std::array<char, 8> buf;
          std::snprintf(buf.data(), buf.size(), "\\u%04x", static_cast<unsigned>(c));
          out += buf.data();
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string format_table(const std::vector<std::string>& columns, const std::vector<Cells>& rows,
                         std::size_t max_cell) {
  std::vector<std::size_t> width(columns.size());
  for (std::size_t i = 0; i < columns.size(); ++i) width[i] = columns[i].size();
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], table_cell(row[i], max_cell).size());
    }
  }
  std::string out;
  const auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      out += cells[i];
      if (i + 1 < cells.size()) out += std::string(width[i] - cells[i].size() + 2, ' ');
    }
    out += '\n';
  };
  line(columns);
  for (const auto& row : rows) {
    std::vector<std::string> cells;
    cells.reserve(row.size());
    for (const auto& c : row) cells.push_back(table_cell(c, max_cell));
    line(cells);
  }
  return out;
}

std::string format_json(const std::vector<std::string>& columns, const std::vector<Cells>& rows,
                        const std::set<std::string>& numeric_columns) {
  std::string out = "[";
  for (std::size_t r = 0; r < rows.size(); ++r) {
    out += r == 0 ? "\n  {" : ",\n  {";
    for (std::size_t i = 0; i < columns.size() && i < rows[r].size(); ++i) {
      if (i > 0) out += ", ";
      out += "\"" + json_escape(columns[i]) + "\": ";
      const auto& c = rows[r][i];
      if (!c) {
        out += "null";
      } else if (numeric_columns.count(columns[i]) != 0 && is_json_number(*c)) {
        out += *c;
      } else {
        out += "\"" + json_escape(*c) + "\"";
      }
    }
    out += "}";
  }
  out += rows.empty() ? "]\n" : "\n]\n";
  return out;
}

std::string format_csv(const std::vector<std::string>& columns, const std::vector<Cells>& rows) {
  std::string out;
  const auto line = [&](const auto& cells, auto get) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) out += ',';
      out += csv_cell(get(cells[i]));
    }
    out += "\r\n";
  };
  line(columns, [](const std::string& s) { return s; });
  for (const auto& row : rows) {
    line(row, [](const std::optional<std::string>& c) { return c.value_or(""); });
  }
  return out;
}

std::string json_string_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    out += (i == 0 ? "\"" : ", \"") + json_escape(items[i]) + "\"";
  }
  return out + "]";
}

}  // namespace sqlcron::util
