// CsvReader: splits CSV text (RFC 4180) into records: fields separated by a delimiter, records
// by LF or CRLF; a field in double quotes may hold delimiters, line breaks and doubled quotes.
// An empty unquoted field is NULL, a quoted empty field ("") the empty string. Blank lines and a
// leading UTF-8 byte order mark are skipped.
//
// A malformed record - a quote inside an unquoted field, text after a closing quote, a quoted
// field never closed, invalid UTF-8 - comes back with `error` set and no fields; reading
// resumes at the next line (after an unclosed quote: at the end).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sqlcron::util {

struct CsvRecord {
  std::vector<std::optional<std::string>> fields;
  int line = 0;       // 1-based line where the record starts
  std::string raw;    // the record's text as read
  std::string error;  // why it is malformed; empty when it is fine
};

class CsvReader {
 public:
  CsvReader(std::string_view text, char delimiter = ',');

  // The next record into `out`; false at the end of the text.
  bool next(CsvRecord& out);

 private:
  void skip_line();

  std::string_view text_;
  char delimiter_;
  std::size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace sqlcron::util
