#include "schedule/time_format.hpp"

#include <array>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "util/datetime_text.hpp"

namespace sqlcron::schedule {

std::string format_rfc3339(Instant t, const date::time_zone* zone) {
  const date::sys_info info = zone->get_info(t);
  const auto local = date::local_seconds{t.time_since_epoch() + info.offset};
  const auto day_point = date::floor<date::days>(local);
  const date::year_month_day ymd{day_point};
  const auto tod = (local - day_point).count();
  const auto offset = info.offset.count();
  const auto abs_offset = offset < 0 ? -offset : offset;
  std::array<char, 48> buf;
  std::snprintf(buf.data(), buf.size(), "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(tod / 3600),
                static_cast<int>(tod / 60 % 60), static_cast<int>(tod % 60), offset < 0 ? '-' : '+',
                static_cast<int>(abs_offset / 3600), static_cast<int>(abs_offset / 60 % 60));
  return buf.data();
}

std::string format_utc(Instant t) { return date::format("%FT%TZ", t); }

Instant parse_rfc3339(std::string_view text) {
  const auto bad = [&](const char* problem) {
    return std::invalid_argument("'" + std::string(text) + "' " + problem);
  };
  const auto t = util::read_datetime(text);
  if (!t || !t->has_seconds) throw bad("is not an RFC 3339 time like 2026-03-08T03:00:00-04:00");
  std::string_view rest = t->rest;
  if (rest.starts_with('.')) throw bad("has an empty fraction of a second");
  int offset_seconds = 0;
  if (rest.starts_with('Z') || rest.starts_with('z')) {
    rest.remove_prefix(1);
  } else if (rest.starts_with('+') || rest.starts_with('-')) {
    const auto hh_mm = rest.substr(1, 5);
    const auto digit = [&](std::size_t i) { return hh_mm[i] >= '0' && hh_mm[i] <= '9'; };
    if (hh_mm.size() != 5 || !digit(0) || !digit(1) || hh_mm[2] != ':' || !digit(3) || !digit(4)) {
      throw bad("has an invalid UTC offset (expected Z, +HH:MM or -HH:MM)");
    }
    const int hours = (hh_mm[0] - '0') * 10 + (hh_mm[1] - '0');
    const int minutes = (hh_mm[3] - '0') * 10 + (hh_mm[4] - '0');
    if (hours > 23 || minutes > 59) {
      throw bad("has an invalid UTC offset (expected Z, +HH:MM or -HH:MM)");
    }
    offset_seconds = (rest[0] == '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
    rest.remove_prefix(6);
  } else {
    throw bad("lacks a UTC offset (Z, +HH:MM or -HH:MM)");
  }
  if (!rest.empty()) throw bad("has trailing characters");
  if (!t->date().ok()) throw bad("is not a valid date");
  // 23:59:60 (a leap second) is read as the following second, as date and POSIX do.
  if (!t->valid_time(true)) throw bad("is not a valid time of day");
  return Instant{date::sys_days{t->date()}} + t->time_of_day() -
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
