#include "schedule/time_format.hpp"

#include <cctype>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace sqlcron::schedule {
namespace {

bool read_digits(std::string_view s, std::size_t& pos, std::size_t width, int& out) {
  if (pos + width > s.size()) {
    return false;
  }
  out = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const char c = s[pos + i];
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) {
      return false;
    }
    out = out * 10 + (c - '0');
  }
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

}  // namespace

std::string format_rfc3339(Instant t, const date::time_zone* zone) {
  const date::sys_info info = zone->get_info(t);
  const auto local = date::local_seconds{t.time_since_epoch() + info.offset};
  const auto day_point = date::floor<date::days>(local);
  const date::year_month_day ymd{day_point};
  const auto tod = (local - day_point).count();
  const auto offset = info.offset.count();
  const auto abs_offset = offset < 0 ? -offset : offset;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(tod / 3600),
                static_cast<int>(tod / 60 % 60), static_cast<int>(tod % 60), offset < 0 ? '-' : '+',
                static_cast<int>(abs_offset / 3600), static_cast<int>(abs_offset / 60 % 60));
  return buf;
}

Instant parse_rfc3339(std::string_view text) {
  const auto bad = [&](const char* problem) {
    return std::invalid_argument("'" + std::string(text) + "' " + problem);
  };
  std::size_t pos = 0;
  int y = 0;
  int mo = 0;
  int d = 0;
  int h = 0;
  int mi = 0;
  int s = 0;
  if (!read_digits(text, pos, 4, y) || !read_char(text, pos, '-') ||
      !read_digits(text, pos, 2, mo) || !read_char(text, pos, '-') ||
      !read_digits(text, pos, 2, d) ||
      !(read_char(text, pos, 'T') || read_char(text, pos, 't') || read_char(text, pos, ' ')) ||
      !read_digits(text, pos, 2, h) || !read_char(text, pos, ':') ||
      !read_digits(text, pos, 2, mi) || !read_char(text, pos, ':') ||
      !read_digits(text, pos, 2, s)) {
    throw bad("is not an RFC 3339 time like 2026-03-08T03:00:00-04:00");
  }
  if (read_char(text, pos, '.')) {
    const std::size_t start = pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])) != 0) {
      ++pos;
    }
    if (pos == start) {
      throw bad("has an empty fraction of a second");
    }
  }
  int offset_seconds = 0;
  if (read_char(text, pos, 'Z') || read_char(text, pos, 'z')) {
    offset_seconds = 0;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int oh = 0;
    int om = 0;
    if (!read_digits(text, pos, 2, oh) || !read_char(text, pos, ':') ||
        !read_digits(text, pos, 2, om) || oh > 23 || om > 59) {
      throw bad("has an invalid UTC offset (expected Z, +HH:MM or -HH:MM)");
    }
    offset_seconds = sign * (oh * 3600 + om * 60);
  } else {
    throw bad("lacks a UTC offset (Z, +HH:MM or -HH:MM)");
  }
  if (pos != text.size()) {
    throw bad("has trailing characters");
  }
  const date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(mo)},
                                 date::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) {
    throw bad("is not a valid date");
  }
  // 23:59:60 (a leap second) is read as the following second, as date and POSIX do.
  if (h > 23 || mi > 59 || s > 60) {
    throw bad("is not a valid time of day");
  }
  return Instant{date::sys_days{ymd}} + std::chrono::seconds{h * 3600 + mi * 60 + s} -
         std::chrono::seconds{offset_seconds};
}

const date::time_zone* find_zone(std::string_view name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    throw std::invalid_argument("unknown time zone '" + std::string(name) + "'");
  }
}

}  // namespace sqlcron::schedule
