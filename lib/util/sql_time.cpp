#include "util/sql_time.hpp"

#include <date/date.h>

#include <stdexcept>

#include "util/datetime_text.hpp"

namespace sqlcron::util {

std::string to_sql_datetime(std::chrono::system_clock::time_point t) {
  return date::format("%F %T", std::chrono::floor<std::chrono::microseconds>(t));
}

std::chrono::system_clock::time_point from_sql_datetime(std::string_view text) {
  const auto t = read_datetime(text);
  if (!t || !t->has_seconds || !t->rest.empty() || !t->date().ok()) {
    throw std::invalid_argument("not a DATETIME: '" + std::string(text) + "'");
  }
  return date::sys_days{t->date()} + t->time_of_day() + t->fraction;
}

}  // namespace sqlcron::util
