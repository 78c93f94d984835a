#include "util/utf8.hpp"

#include <string_view>

namespace sqlcron::util {

std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(1) >= 0xA0) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(1) >= 0x90) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;
}

namespace {

void append_hex_byte(std::string& out, unsigned char b) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  out += "\\x";
  out += kHex[b >> 4U];
  out += kHex[b & 0xFU];
}

// "\u0085", "\u2028".
std::string escaped_code_point(unsigned cp) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out = "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) {
    out += kHex[(cp >> static_cast<unsigned>(shift)) & 0xFU];
  }
  return out;
}

}  // namespace

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto n = utf8_sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto n = utf8_sequence_length(s, i);
    if (n == 0) {
      out += '?';
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string escape_for_message(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const auto n = utf8_sequence_length(s, i);
    const auto b1 = n > 1 ? static_cast<unsigned char>(s[i + 1]) : 0U;
    const auto b2 = n > 2 ? static_cast<unsigned char>(s[i + 2]) : 0U;
    if (n == 0 || (n == 1 && ((b < 0x20 && b != '\t') || b == 0x7F))) {
      append_hex_byte(out, b);
      ++i;
    } else if ((n == 2 && b == 0xC2 && b1 <= 0x9F) ||
               (n == 3 && b == 0xE2 && b1 == 0x80 && (b2 == 0xA8 || b2 == 0xA9))) {
      // C1 controls (NEL, U+0085, among them) and the line and paragraph separators: line
      // breaks to YAML, journals and some terminals.
      const unsigned cp = n == 2 ? b1 : 0x2000U + ((b1 & 0x3FU) << 6U) + (b2 & 0x3FU);
      out += escaped_code_point(cp);
      i += n;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string text_for_column(std::string_view s, std::size_t max_bytes) {
  auto out = sanitize_utf8(s);
  if (out.size() <= max_bytes) return out;
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(out[end]) & 0xC0U) == 0x80U) --end;
  out.resize(end);
  return out;
}

}  // namespace sqlcron::util
