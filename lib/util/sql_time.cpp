#include "util/sql_time.hpp"

#include <date/date.h>

#include <cstdio>
#include <stdexcept>

namespace sqlcron::util {

std::string to_sql_datetime(std::chrono::system_clock::time_point t) {
  return date::format("%F %T", std::chrono::floor<std::chrono::microseconds>(t));
}

std::chrono::system_clock::time_point from_sql_datetime(std::string_view text) {
  // Read by hand: date::parse trips a false -Wmaybe-uninitialized in GCC 12.
  int y = 0;
  unsigned mo = 0;
  unsigned d = 0;
  int h = 0;
  int mi = 0;
  int s = 0;
  int consumed = 0;
  const std::string str(text);
  if (std::sscanf(str.c_str(), "%4d-%2u-%2u %2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &consumed) !=
      6) {
    throw std::invalid_argument("not a DATETIME: '" + str + "'");
  }
  long long micros = 0;
  if (static_cast<std::size_t>(consumed) < str.size() && str[consumed] == '.') {
    int digits = 0;
    for (std::size_t i = consumed + 1; i < str.size() && digits < 6; ++i, ++digits) {
      if (str[i] < '0' || str[i] > '9') break;
      micros = micros * 10 + (str[i] - '0');
    }
    for (; digits < 6; ++digits) micros *= 10;
  }
  const date::year_month_day ymd{date::year{y}, date::month{mo}, date::day{d}};
  if (!ymd.ok()) throw std::invalid_argument("not a DATETIME: '" + str + "'");
  return date::sys_days{ymd} + std::chrono::hours{h} + std::chrono::minutes{mi} +
         std::chrono::seconds{s} + std::chrono::microseconds{micros};
}

}  // namespace sqlcron::util
