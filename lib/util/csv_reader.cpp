#include "util/csv_reader.hpp"

#include "util/utf8.hpp"

namespace sqlcron::util {

CsvReader::CsvReader(std::string_view text, char delimiter) : text_(text), delimiter_(delimiter) {
  if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
}

void CsvReader::skip_line() {
  while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
  if (pos_ < text_.size()) {
    ++pos_;
    ++line_;
  }
}

bool CsvReader::next(CsvRecord& out) {
  // Blank lines between records.
  while (pos_ < text_.size() && (text_[pos_] == '\n' || text_[pos_] == '\r')) {
    if (text_[pos_] == '\n') ++line_;
    ++pos_;
  }
  if (pos_ >= text_.size()) return false;
  out.fields.clear();
  out.error.clear();
  out.line = line_;
  const std::size_t start = pos_;
  const auto fail = [&](std::string why) {
    out.fields.clear();
    out.error = std::move(why);
    skip_line();
    out.raw = std::string(text_.substr(start, pos_ - start));
    while (!out.raw.empty() && (out.raw.back() == '\n' || out.raw.back() == '\r')) {
      out.raw.pop_back();
    }
    return true;
  };
  for (;;) {
    // One field.
    if (pos_ < text_.size() && text_[pos_] == '"') {
      ++pos_;
      std::string value;
      for (;;) {
        if (pos_ >= text_.size()) {
          out.fields.clear();
          out.error = "a quoted field is not closed";
          out.raw = std::string(text_.substr(start));
          return true;
        }
        const char c = text_[pos_++];
        if (c == '"') {
          if (pos_ < text_.size() && text_[pos_] == '"') {
            value += '"';
            ++pos_;
            continue;
          }
          break;
        }
        if (c == '\n') ++line_;
        value += c;
      }
      if (pos_ < text_.size() && text_[pos_] == '\r' && pos_ + 1 < text_.size() &&
          text_[pos_ + 1] == '\n') {
        ++pos_;
      }
      if (pos_ < text_.size() && text_[pos_] != delimiter_ && text_[pos_] != '\n') {
        return fail("text after a closing quote");
      }
      out.fields.emplace_back(std::move(value));
    } else {
      const std::size_t from = pos_;
      while (pos_ < text_.size() && text_[pos_] != delimiter_ && text_[pos_] != '\n') {
        if (text_[pos_] == '"') return fail("a quote inside an unquoted field");
        ++pos_;
      }
      std::size_t to = pos_;
      if (pos_ < text_.size() && text_[pos_] == '\n' && to > from && text_[to - 1] == '\r') --to;
      if (pos_ >= text_.size() && to > from && text_[to - 1] == '\r') --to;
      if (to == from) {
        out.fields.emplace_back(std::nullopt);
      } else {
        out.fields.emplace_back(std::string(text_.substr(from, to - from)));
      }
    }
    if (pos_ >= text_.size()) break;
    if (text_[pos_] == '\n') {
      ++pos_;
      ++line_;
      break;
    }
    ++pos_;  // the delimiter
  }
  out.raw = std::string(text_.substr(start, pos_ - start));
  while (!out.raw.empty() && (out.raw.back() == '\n' || out.raw.back() == '\r')) out.raw.pop_back();
  for (const auto& f : out.fields) {
    if (f && !valid_utf8(*f)) {
      out.fields.clear();
      out.error = "not valid UTF-8";
      break;
    }
  }
  return true;
}

}  // namespace sqlcron::util
