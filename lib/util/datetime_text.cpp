#include "util/datetime_text.hpp"

namespace sqlcron::util {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `width` digits at `pos`; `pos` moves past them only when they are all there.
bool read_number(std::string_view s, std::size_t& pos, std::size_t width, int& out) {
  if (pos + width > s.size()) return false;
  int value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    if (!is_digit(s[pos + i])) return false;
    value = value * 10 + (s[pos + i] - '0');
  }
  out = value;
  pos += width;
  return true;
}

bool read_char(std::string_view s, std::size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

bool is_separator(char c) { return c == ' ' || c == 'T' || c == 't'; }

}  // namespace

date::year_month_day DateTimeText::date() const {
  return date::year_month_day{date::year{year}, date::month{month}, date::day{day}};
}

bool DateTimeText::valid_time(bool leap_second) const {
  return hour <= 23 && minute <= 59 && second <= (leap_second ? 60 : 59);
}

std::chrono::seconds DateTimeText::time_of_day() const {
  return std::chrono::hours{hour} + std::chrono::minutes{minute} + std::chrono::seconds{second};
}

std::optional<DateTimeText> read_datetime(std::string_view text) {
  DateTimeText t;
  std::size_t pos = 0;
  int month = 0;
  int day = 0;
  if (!read_number(text, pos, 4, t.year) || !read_char(text, pos, '-') ||
      !read_number(text, pos, 2, month) || !read_char(text, pos, '-') ||
      !read_number(text, pos, 2, day)) {
    return std::nullopt;
  }
  t.month = static_cast<unsigned>(month);
  t.day = static_cast<unsigned>(day);
  // Each later part is taken whole or not at all, so `pos` stays where the last one ended.
  std::size_t p = pos;
  if (p < text.size() && is_separator(text[p]) && read_number(text, ++p, 2, t.hour) &&
      read_char(text, p, ':') && read_number(text, p, 2, t.minute)) {
    t.has_time = true;
    pos = p;
    if (read_char(text, p, ':') && read_number(text, p, 2, t.second)) {
      t.has_seconds = true;
      pos = p;
      if (read_char(text, p, '.') && p < text.size() && is_digit(text[p])) {
        t.has_fraction = true;
        long long micros = 0;
        int digits = 0;
        for (; p < text.size() && is_digit(text[p]); ++p) {
          if (digits < 6) {
            micros = micros * 10 + (text[p] - '0');
            ++digits;
          }
        }
        for (; digits < 6; ++digits) micros *= 10;
        t.fraction = std::chrono::microseconds{micros};
        pos = p;
      }
    }
  }
  if (!t.has_time) {
    t.hour = 0;
    t.minute = 0;
  }
  if (!t.has_seconds) t.second = 0;
  t.rest = text.substr(pos);
  return t;
}

}  // namespace sqlcron::util
