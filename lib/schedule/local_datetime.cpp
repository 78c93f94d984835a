#include "schedule/local_datetime.hpp"

#include <array>
#include <cstdio>

#include "schedule/schedule_error.hpp"
#include "util/datetime_text.hpp"

namespace sqlcron::schedule {

LocalSeconds parse_local_datetime(std::string_view text, std::string_view what) {
  const auto bad = [&](const char* problem) {
    return ScheduleError(std::string(what) + ": '" + std::string(text) + "' " + problem);
  };
  const auto t = util::read_datetime(text);
  if (!t) throw bad("is not a date-time 'YYYY-MM-DD HH:MM:SS'");
  if (t->has_seconds && (t->has_fraction || !t->rest.empty())) {
    throw bad("has trailing characters");
  }
  if (!t->rest.empty()) throw bad("is not a date-time 'YYYY-MM-DD HH:MM:SS'");
  if (t->year < 1000 || !t->date().ok()) throw bad("is not a valid date");
  if (!t->valid_time()) throw bad("is not a valid time of day");
  return LocalSeconds{date::local_days{t->date()}} + t->time_of_day();
}

std::string format_local_datetime(LocalSeconds t) {
  const auto day_point = date::floor<date::days>(t);
  const date::year_month_day ymd{day_point};
  const auto tod = (t - day_point).count();
  std::array<char, 32> buf;
  std::snprintf(buf.data(), buf.size(), "%04d-%02u-%02u %02d:%02d:%02d",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(tod / 3600),
                static_cast<int>(tod / 60 % 60), static_cast<int>(tod % 60));
  return buf.data();
}

}  // namespace sqlcron::schedule
