// DateTimeText: the one reader of written date-times, shared by SQL DATETIME values
// (util/sql_time), RFC 3339 instants and the local date-times of MySQL-event schedules
// (lib/schedule). It reads 'YYYY-MM-DD', then - when they follow - a separator (' ', 'T' or 't')
// with 'HH:MM', then ':SS', then '.' with digits; each caller says which parts it requires, what
// may follow them (`rest`) and which ranges it accepts.
// Error contract: read_datetime never throws; nullopt when the text does not begin with a date.
#pragma once

#include <date/date.h>

#include <chrono>
#include <optional>
#include <string_view>

namespace sqlcron::util {

struct DateTimeText {
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  std::chrono::microseconds fraction{0};  // the first six digits after '.'
  bool has_time = false;                  // 'HH:MM' was read
  bool has_seconds = false;               // ':SS' was read
  bool has_fraction = false;              // '.' and at least one digit were read
  std::string_view rest;                  // what follows what was read

  [[nodiscard]] date::year_month_day date() const;
  // hour <= 23, minute <= 59, second <= 59 (60 with `leap_second`).
  [[nodiscard]] bool valid_time(bool leap_second = false) const;
  [[nodiscard]] std::chrono::seconds time_of_day() const;
};

// Reads the date-time at the start of `text` (fixed widths: 4-digit year, 2-digit fields). A
// part is read only when all of it is there: '2026-01-02T' leaves rest "T".
[[nodiscard]] std::optional<DateTimeText> read_datetime(std::string_view text);

}  // namespace sqlcron::util
