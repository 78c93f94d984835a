#include "config/option_file.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "util/text.hpp"

namespace sqlcron::config {

namespace {

std::string normalise_key(std::string_view k) {
  std::string out;
  for (const char c : k) {
    out += c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string unquote(std::string_view v, int line) {
  if (v.empty() || (v.front() != '\'' && v.front() != '"')) {
    // Unquoted: a comment may follow after whitespace.
    const auto hash = v.find(" #");
    return std::string(util::trim(hash == std::string_view::npos ? v : v.substr(0, hash)));
  }
  const char q = v.front();
  std::string out;
  for (std::size_t i = 1; i < v.size(); ++i) {
    if (v[i] == '\\' && q == '"' && i + 1 < v.size()) {
      out += v[++i];
    } else if (v[i] == q) {
      return out;
    } else {
      out += v[i];
    }
  }
  throw std::invalid_argument("line " + std::to_string(line) + ": unterminated quote");
}

}  // namespace

std::map<std::string, std::string> OptionFile::parse(std::string_view text) {
  std::map<std::string, std::string> out;
  bool in_client = false;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto eol = text.find('\n', pos);
    const auto raw =
        text.substr(pos, eol == std::string_view::npos ? text.size() - pos : eol - pos);
    pos = eol == std::string_view::npos ? text.size() + 1 : eol + 1;
    ++line_no;
    const auto line = util::trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '!') {
      throw std::invalid_argument("line " + std::to_string(line_no) +
                                  ": !include is not supported; put the [client] options here");
    }
    if (line.front() == '[') {
      if (line.back() != ']') {
        throw std::invalid_argument("line " + std::to_string(line_no) + ": expected [group]");
      }
      in_client = normalise_key(util::trim(line.substr(1, line.size() - 2))) == "client";
      continue;
    }
    if (!in_client) continue;
    const auto eq = line.find('=');
    const auto key = normalise_key(util::trim(line.substr(0, eq)));
    if (key.empty()) {
      throw std::invalid_argument("line " + std::to_string(line_no) + ": expected key=value");
    }
    out[key] =
        eq == std::string_view::npos ? "" : unquote(util::trim(line.substr(eq + 1)), line_no);
  }
  return out;
}

}  // namespace sqlcron::config
