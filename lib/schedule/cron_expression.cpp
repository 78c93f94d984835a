#include "schedule/cron_expression.hpp"

#include <array>
#include <bit>
#include <cctype>
#include <vector>

#include "schedule/schedule_error.hpp"

namespace sqlcron::schedule {
namespace {

constexpr std::array<std::string_view, 12> kMonthNames{"jan", "feb", "mar", "apr", "may", "jun",
                                                       "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr FieldSpec kSecondSpec{"second", 0, 59, {}, 0};
constexpr FieldSpec kMinuteSpec{"minute", 0, 59, {}, 0};
constexpr FieldSpec kHourSpec{"hour", 0, 23, {}, 0};
constexpr FieldSpec kMonthSpec{"month", 1, 12, kMonthNames, 1};

constexpr std::array<unsigned, 13> kMonthLength{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned month_length(int y, unsigned m) { return m == 2 && is_leap(y) ? 29 : kMonthLength[m]; }

// 0 = Sunday.
unsigned first_weekday(int y, unsigned m) {
  const auto days = date::sys_days{date::year{y} / date::month{m} / 1}.time_since_epoch().count();
  return static_cast<unsigned>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday (4)
}

std::string_view expand_macro(std::string_view word) {
  struct Macro {
    std::string_view name;
    std::string_view cron;
  };
  static constexpr std::array<Macro, 7> kMacros{{{"@yearly", "0 0 1 1 *"},
                                                 {"@annually", "0 0 1 1 *"},
                                                 {"@monthly", "0 0 1 * *"},
                                                 {"@weekly", "0 0 * * 0"},
                                                 {"@daily", "0 0 * * *"},
                                                 {"@midnight", "0 0 * * *"},
                                                 {"@hourly", "0 * * * *"}}};
  for (const Macro& macro : kMacros) {
    if (word.size() == macro.name.size()) {
      bool same = true;
      for (std::size_t i = 0; i < word.size(); ++i) {
        same = same && std::tolower(static_cast<unsigned char>(word[i])) == macro.name[i];
      }
      if (same) {
        return macro.cron;
      }
    }
  }
  throw ScheduleError("unknown macro '" + std::string(word) + "'");
}

std::vector<std::string_view> split_fields(std::string_view text) {
  std::vector<std::string_view> fields;
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos])) != 0) {
      ++pos;
    }
    const std::size_t start = pos;
    while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos])) == 0) {
      ++pos;
    }
    if (pos > start) {
      fields.push_back(text.substr(start, pos - start));
    }
  }
  return fields;
}

}  // namespace

CronExpression CronExpression::parse(std::string_view text) {
  std::vector<std::string_view> fields = split_fields(text);
  if (fields.size() == 1 && fields[0].front() == '@') {
    fields = split_fields(expand_macro(fields[0]));
  }
  if (fields.size() != 5 && fields.size() != 6) {
    throw ScheduleError("expected 5 or 6 fields, got " + std::to_string(fields.size()));
  }
  const bool with_seconds = fields.size() == 6;
  const std::string_view second_text = with_seconds ? fields[0] : std::string_view("0");
  const std::size_t base = with_seconds ? 1 : 0;

  CronExpression expr;
  expr.seconds_ = CronField::parse(second_text, kSecondSpec);
  expr.minutes_ = CronField::parse(fields[base], kMinuteSpec);
  expr.hours_ = CronField::parse(fields[base + 1], kHourSpec);
  expr.days_of_month_ = DayOfMonthField::parse(fields[base + 2]);
  expr.months_ = CronField::parse(fields[base + 3], kMonthSpec);
  expr.days_of_week_ = DayOfWeekField::parse(fields[base + 4]);
  expr.and_days_ = expr.days_of_month_.starts_with_star() || expr.days_of_week_.starts_with_star();
  expr.fixed_time_ = !(expr.seconds_.starts_with_star() || expr.minutes_.starts_with_star() ||
                       expr.hours_.starts_with_star());
  if (!expr.can_ever_fire()) {
    const std::string dom(fields[base + 2]);
    const std::string month(fields[base + 3]);
    const std::string_view dow = fields[base + 4];
    if (expr.days_of_week_.starts_with_star() && dow == "*") {
      throw ScheduleError("day-of-month: '" + dom + "' never occurs in month '" + month + "'");
    }
    throw ScheduleError("day-of-month: '" + dom + "' and day-of-week: '" + std::string(dow) +
                        "' never match together in month '" + month + "'");
  }
  expr.canonical_ = std::string(second_text);
  for (std::size_t i = base; i < fields.size(); ++i) {
    expr.canonical_ += ' ';
    expr.canonical_ += fields[i];
  }
  return expr;
}

std::uint32_t CronExpression::day_mask(unsigned length, unsigned first_wd) const {
  const std::uint32_t dom = days_of_month_.mask(length, first_wd);
  const std::uint32_t dow = days_of_week_.mask(length, first_wd);
  return and_days_ ? (dom & dow) : (dom | dow);
}

std::uint32_t CronExpression::day_mask(int year, unsigned month) const {
  return day_mask(month_length(year, month), first_weekday(year, month));
}

// A month's matching days depend only on its length and the weekday of its 1st, and over the
// 400-year Gregorian cycle every month starts on every weekday (February in both leap and
// common years), so trying those combinations decides whether the expression ever fires.
bool CronExpression::can_ever_fire() const {
  for (unsigned m = 1; m <= 12; ++m) {
    if (!months_.contains(static_cast<int>(m))) {
      continue;
    }
    for (unsigned length = kMonthLength[m]; length <= (m == 2 ? 29U : kMonthLength[m]); ++length) {
      for (unsigned wd = 0; wd < 7; ++wd) {
        if (day_mask(length, wd) != 0) {
          return true;
        }
      }
    }
  }
  return false;
}

std::optional<int> CronExpression::next_time_of_day(int hour, int minute, int second) const {
  int h = hours_.next(hour);
  if (h < 0) {
    return std::nullopt;
  }
  if (h == hour) {
    int m = minutes_.next(minute);
    if (m == minute) {
      const int s = seconds_.next(second);
      if (s >= 0) {
        return hour * 3600 + minute * 60 + s;
      }
      m = minutes_.next(minute + 1);
    }
    if (m >= 0) {
      return hour * 3600 + m * 60 + seconds_.first();
    }
    h = hours_.next(hour + 1);
    if (h < 0) {
      return std::nullopt;
    }
  }
  return h * 3600 + minutes_.first() * 60 + seconds_.first();
}

std::optional<LocalSeconds> CronExpression::next_local(LocalSeconds from, int max_year) const {
  const auto day_point = date::floor<date::days>(from);
  const date::year_month_day ymd{day_point};
  int year = static_cast<int>(ymd.year());
  auto month = static_cast<unsigned>(ymd.month());
  auto day = static_cast<unsigned>(ymd.day());
  const auto tod = static_cast<int>((from - day_point).count());
  int hour = tod / 3600;
  int minute = tod / 60 % 60;
  int second = tod % 60;
  const auto start_of_day = [&] { hour = minute = second = 0; };
  const auto next_month = [&] {
    if (++month > 12) {
      month = 1;
      ++year;
    }
    day = 1;
    start_of_day();
  };

  while (year <= max_year) {
    if (!months_.contains(static_cast<int>(month))) {
      const int m = months_.next(static_cast<int>(month));
      if (m < 0) {
        ++year;
        month = static_cast<unsigned>(months_.first());
      } else {
        month = static_cast<unsigned>(m);
      }
      day = 1;
      start_of_day();
      continue;
    }
    const std::uint64_t days = std::uint64_t{day_mask(year, month)} >> day << day;
    if (days == 0) {
      next_month();
      continue;
    }
    const auto found = static_cast<unsigned>(std::countr_zero(days));
    if (found != day) {
      day = found;
      start_of_day();
    }
    if (const std::optional<int> t = next_time_of_day(hour, minute, second)) {
      return LocalSeconds{
                 date::local_days{date::year{year} / date::month{month} / date::day{day}}} +
             std::chrono::seconds{*t};
    }
    ++day;
    start_of_day();
  }
  return std::nullopt;
}

bool CronExpression::matches(LocalSeconds t) const {
  const auto day_point = date::floor<date::days>(t);
  const date::year_month_day ymd{day_point};
  const auto tod = static_cast<int>((t - day_point).count());
  const auto month = static_cast<unsigned>(ymd.month());
  const auto day = static_cast<unsigned>(ymd.day());
  return months_.contains(static_cast<int>(month)) &&
         ((day_mask(static_cast<int>(ymd.year()), month) >> day) & 1U) != 0 &&
         hours_.contains(tod / 3600) && minutes_.contains(tod / 60 % 60) &&
         seconds_.contains(tod % 60);
}

}  // namespace sqlcron::schedule
