#include "config/yaml_text_check.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "config/yaml_syntax_error.hpp"

namespace sqlcron::config {

namespace {

// The length of the UTF-8 sequence at `i` and its code point; 0 if the bytes there are not one.
std::size_t decode(std::string_view s, std::size_t i, char32_t& cp) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const auto b0 = byte(i);
  std::size_t len = 0;
  char32_t min = 0;
  if (b0 < 0x80U) {
    cp = b0;
    return 1;
  }
  if ((b0 & 0xE0U) == 0xC0U) {
    len = 2, cp = b0 & 0x1FU, min = 0x80;
  } else if ((b0 & 0xF0U) == 0xE0U) {
    len = 3, cp = b0 & 0x0FU, min = 0x800;
  } else if ((b0 & 0xF8U) == 0xF0U) {
    len = 4, cp = b0 & 0x07U, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0U) != 0x80U) return 0;
    cp = (cp << 6U) | (byte(i + k) & 0x3FU);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

bool allowed(char32_t cp) {
  if (cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x85) return true;
  if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) return false;
  return cp != 0xFFFE && cp != 0xFFFF;
}

[[noreturn]] void fail_at(std::string_view text, std::size_t offset, const std::string& message) {
  const auto at = mark_at(text, offset);
  throw YamlSyntaxError(message, at.line, at.column);
}

}  // namespace

void check_yaml_text(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20U && c < 0x7FU) {  // the common case, printable ASCII
      ++i;
      continue;
    }
    char32_t cp = 0;
    const auto len = decode(text, i, cp);
    if (len == 0) {
      // The bytes that fail to form a character: the first and the continuation bytes after it.
      auto end = i + 1;
      while (end < text.size() && end < i + 4 &&
             (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) {
        ++end;
      }
      std::string shown;
      for (const char b : text.substr(i, end - i)) {
        shown += fmt::format("\\x{:02X}", static_cast<unsigned char>(b));
      }
      fail_at(text, i, shown + " is not UTF-8; a config file must be UTF-8 text");
    }
    if (!allowed(cp)) {
      fail_at(text, i,
              fmt::format("control characters are not allowed (U+{:04X})",
                          static_cast<std::uint32_t>(cp)));
    }
    i += len;
  }
}

YamlMark mark_at(std::string_view text, std::size_t offset) {
  const auto before = text.substr(0, std::min(offset, text.size()));
  const auto newline = before.rfind('\n');
  const auto column =
      newline == std::string_view::npos ? before.size() : before.size() - newline - 1;
  return {static_cast<int>(std::count(before.begin(), before.end(), '\n')),
          static_cast<int>(column)};
}

std::optional<YamlMark> indenting_tab(std::string_view text, int line) {
  std::size_t start = 0;
  for (int l = 0; l < line; ++l) {
    start = text.find('\n', start);
    if (start == std::string_view::npos) return std::nullopt;
    ++start;
  }
  for (std::size_t i = start; i < text.size() && (text[i] == ' ' || text[i] == '\t'); ++i) {
    if (text[i] == '\t') return mark_at(text, i);
  }
  return std::nullopt;
}

std::optional<std::size_t> closing_quote(std::string_view text, std::size_t offset) {
  if (offset >= text.size()) return std::nullopt;
  const char quote = text[offset];
  for (std::size_t i = offset + 1; i < text.size(); ++i) {
    if (quote == '"' && text[i] == '\\') {
      ++i;  // an escape: the next character is never the end
    } else if (text[i] == quote) {
      if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;  // '' is a quote inside single quotes
      } else {
        return i;
      }
    }
  }
  return std::nullopt;
}

}  // namespace sqlcron::config
