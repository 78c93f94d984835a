#include "importer/comment_text.hpp"

#include <fmt/format.h>

#include "util/utf8.hpp"

namespace sqlcron::importer {

namespace {

// The code point of the well-formed sequence of `n` bytes at s[i].
char32_t decode(std::string_view s, std::size_t i, std::size_t n) {
  const auto b = [&](std::size_t k) {
    return static_cast<char32_t>(static_cast<unsigned char>(s[i + k]));
  };
  switch (n) {
    case 1:
      return b(0);
    case 2:
      return ((b(0) & 0x1FU) << 6U) | (b(1) & 0x3FU);
    case 3:
      return ((b(0) & 0x0FU) << 12U) | ((b(1) & 0x3FU) << 6U) | (b(2) & 0x3FU);
    default:
      return ((b(0) & 0x07U) << 18U) | ((b(1) & 0x3FU) << 12U) | ((b(2) & 0x3FU) << 6U) |
             (b(3) & 0x3FU);
  }
}

bool escaped(char32_t c) {
  return (c < 0x20 && c != '\t') || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029 ||
         c == 0xFEFF || c == 0xFFFE || c == 0xFFFF;
}

}  // namespace

std::vector<std::string> comment_lines(std::string_view text) {
  std::vector<std::string> lines(1);
  for (std::size_t i = 0; i < text.size();) {
    const auto n = util::utf8_sequence_length(text, i);
    if (n == 0) {
      lines.back() += fmt::format("\\x{:02X}", static_cast<unsigned char>(text[i]));
      ++i;
      continue;
    }
    const char32_t c = decode(text, i, n);
    if (c == '\n' || c == '\r') {
      lines.emplace_back();
      i += c == '\r' && i + 1 < text.size() && text[i + 1] == '\n' ? 2 : 1;
      continue;
    }
    if (!escaped(c)) {
      lines.back().append(text.substr(i, n));
    } else if (c < 0x20 || c == 0x7F) {
      lines.back() += fmt::format("\\x{:02X}", static_cast<unsigned>(c));
    } else {
      lines.back() += fmt::format("\\u{:04X}", static_cast<unsigned>(c));
    }
    i += n;
  }
  return lines;
}

bool plain_lines(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto n = util::utf8_sequence_length(text, i);
    if (n == 0) return false;
    const char32_t c = decode(text, i, n);
    if (c != '\n' && escaped(c)) return false;
    i += n;
  }
  return true;
}

}  // namespace sqlcron::importer
