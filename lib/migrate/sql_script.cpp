#include "migrate/sql_script.hpp"

#include <cctype>
#include <stdexcept>

#include "util/text.hpp"

namespace sqlcron::migrate {

namespace {

bool is_blank(std::string_view s) {
  for (const char c : s) {
    if (std::isspace(static_cast<unsigned char>(c)) == 0) return false;
  }
  return true;
}

// If the line starting at `pos` is "DELIMITER x", returns x; else empty.
std::string delimiter_command(std::string_view script, std::size_t pos) {
  std::size_t i = pos;
  while (i < script.size() && (script[i] == ' ' || script[i] == '\t')) ++i;
  constexpr std::string_view kWord = "delimiter";
  if (script.size() - i < kWord.size() + 1) return "";
  for (std::size_t k = 0; k < kWord.size(); ++k) {
    if (std::tolower(static_cast<unsigned char>(script[i + k])) != kWord[k]) return "";
  }
  i += kWord.size();
  if (script[i] != ' ' && script[i] != '\t') return "";
  const auto eol = script.find('\n', i);
  return std::string(util::trim(script.substr(i, eol == std::string_view::npos ? eol : eol - i)));
}

class Splitter {
 public:
  explicit Splitter(std::string_view script) : s_(script) {}

  std::vector<SqlStatement> run() {
    while (i_ < s_.size()) {
      if (at_line_start_) {
        at_line_start_ = false;
        if (auto d = delimiter_command(s_, i_); !d.empty() && is_blank(current_)) {
          delimiter_ = d;
          skip_line();
          continue;
        }
      }
      const char c = s_[i_];
      if (c == '\'' || c == '"' || c == '`') {
        quoted(c);
      } else if (c == '#' || (c == '-' && next_is('-') && dash_comment_follows())) {
        skip_line_comment();
      } else if (c == '/' && next_is('*')) {
        block_comment();
      } else if (s_.compare(i_, delimiter_.size(), delimiter_) == 0) {
        finish();
        i_ += delimiter_.size();
      } else {
        take();
      }
    }
    finish();
    return std::move(out_);
  }

 private:
  bool next_is(char c) const { return i_ + 1 < s_.size() && s_[i_ + 1] == c; }
  bool dash_comment_follows() const {
    return i_ + 2 >= s_.size() || std::isspace(static_cast<unsigned char>(s_[i_ + 2])) != 0;
  }

  void take() {
    const char c = s_[i_++];
    if (is_blank(current_) && std::isspace(static_cast<unsigned char>(c)) == 0 && start_ == 0) {
      start_ = line_;
    }
    current_ += c;
    if (c == '\n') {
      ++line_;
      at_line_start_ = true;
    }
  }

  void skip_line() {
    while (i_ < s_.size() && s_[i_] != '\n') ++i_;
    if (i_ < s_.size()) {
      ++i_;
      ++line_;
      at_line_start_ = true;
    }
  }

  void skip_line_comment() {
    while (i_ < s_.size() && s_[i_] != '\n') ++i_;
  }

  void quoted(char q) {
    const int opened = line_;
    take();
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == '\\' && q != '`' && i_ + 1 < s_.size()) {
        take();
        take();
        continue;
      }
      take();
      if (c == q) {
        if (i_ < s_.size() && s_[i_] == q) {  // doubled quote
          take();
          continue;
        }
        return;
      }
    }
    throw std::invalid_argument("line " + std::to_string(opened) + ": unterminated " +
                                std::string(1, q) + " quote");
  }

  void block_comment() {
    const int opened = line_;
    // Executable comments /*! ... */ are kept: the server runs them.
    const bool keep = i_ + 2 < s_.size() && s_[i_ + 2] == '!';
    const auto end = s_.find("*/", i_ + 2);
    if (end == std::string_view::npos) {
      throw std::invalid_argument("line " + std::to_string(opened) + ": unterminated /* comment");
    }
    while (i_ < end + 2) {
      if (keep) {
        take();
      } else {
        if (s_[i_] == '\n') ++line_;
        ++i_;
      }
    }
    if (!keep) current_ += ' ';
  }

  void finish() {
    std::string text(util::trim(current_));
    if (!text.empty()) out_.push_back(SqlStatement{std::move(text), start_ == 0 ? line_ : start_});
    current_.clear();
    start_ = 0;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  int line_ = 1;
  int start_ = 0;
  bool at_line_start_ = true;
  std::string delimiter_ = ";";
  std::string current_;
  std::vector<SqlStatement> out_;
};

}  // namespace

std::vector<SqlStatement> SqlScript::split(std::string_view script) {
  return Splitter(script).run();
}

}  // namespace sqlcron::migrate
