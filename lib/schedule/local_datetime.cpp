#include "schedule/local_datetime.hpp"

#include <cctype>
#include <cstdio>

#include "schedule/schedule_error.hpp"

namespace sqlcron::schedule {
namespace {

// Reads exactly `width` digits at `pos`.
bool read_number(std::string_view s, std::size_t& pos, std::size_t width, int& out) {
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

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

}  // namespace

LocalSeconds parse_local_datetime(std::string_view text, std::string_view what) {
  const auto bad = [&](const char* problem) {
    return ScheduleError(std::string(what) + ": '" + std::string(text) + "' " + problem);
  };
  std::size_t pos = 0;
  int y = 0;
  int mo = 0;
  int d = 0;
  int h = 0;
  int mi = 0;
  int s = 0;
  if (!read_number(text, pos, 4, y) || !expect(text, pos, '-') || !read_number(text, pos, 2, mo) ||
      !expect(text, pos, '-') || !read_number(text, pos, 2, d)) {
    throw bad("is not a date-time 'YYYY-MM-DD HH:MM:SS'");
  }
  if (pos < text.size()) {
    if (!(expect(text, pos, ' ') || expect(text, pos, 'T')) || !read_number(text, pos, 2, h) ||
        !expect(text, pos, ':') || !read_number(text, pos, 2, mi)) {
      throw bad("is not a date-time 'YYYY-MM-DD HH:MM:SS'");
    }
    if (pos < text.size() && (!expect(text, pos, ':') || !read_number(text, pos, 2, s))) {
      throw bad("is not a date-time 'YYYY-MM-DD HH:MM:SS'");
    }
    if (pos != text.size()) {
      throw bad("has trailing characters");
    }
  }
  const date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(mo)},
                                 date::day{static_cast<unsigned>(d)}};
  if (y < 1000 || !ymd.ok()) {
    throw bad("is not a valid date");
  }
  if (h > 23 || mi > 59 || s > 59) {
    throw bad("is not a valid time of day");
  }
  return LocalSeconds{date::local_days{ymd}} + std::chrono::hours{h} + std::chrono::minutes{mi} +
         std::chrono::seconds{s};
}

std::string format_local_datetime(LocalSeconds t) {
  const auto day_point = date::floor<date::days>(t);
  const date::year_month_day ymd{day_point};
  const auto tod = (t - day_point).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(tod / 3600), static_cast<int>(tod / 60 % 60),
                static_cast<int>(tod % 60));
  return buf;
}

}  // namespace sqlcron::schedule
