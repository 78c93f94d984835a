#include "schedule/day_of_month_field.hpp"

#include <bit>

namespace sqlcron::schedule {
namespace {

constexpr FieldSpec kSpec{"day-of-month", 1, 31, {}, 0};

bool is_letter(char c, char upper) { return c == upper || c == upper - 'A' + 'a'; }

constexpr unsigned kSaturday = 6;
constexpr unsigned kSunday = 0;

}  // namespace

DayOfMonthField DayOfMonthField::parse(std::string_view text) {
  DayOfMonthField field;
  field.star_ = !text.empty() && text.front() == '*';
  for_each_list_item(text, [&](std::string_view item) {
    if (item == "$" || (item.size() == 1 && is_letter(item[0], 'L'))) {
      field.last_day_ = true;
    } else if (item.size() == 2 && is_letter(item[0], 'L') && is_letter(item[1], 'W')) {
      field.last_weekday_ = true;
    } else if (item.size() >= 2 && is_letter(item.back(), 'W')) {
      const int day = CronField::parse_value(item.substr(0, item.size() - 1), kSpec);
      field.nearest_ |= std::uint32_t{1} << day;
    } else {
      field.days_ |= static_cast<std::uint32_t>(CronField::parse_item(item, kSpec));
    }
  });
  return field;
}

DayOfMonthField DayOfMonthField::any() { return parse("*"); }

std::uint32_t DayOfMonthField::mask(unsigned length, unsigned first_weekday) const {
  const auto valid = static_cast<std::uint32_t>((std::uint64_t{1} << (length + 1)) - 2);
  std::uint32_t result = days_ & valid;
  if (last_day_) {
    result |= std::uint32_t{1} << length;
  }
  const auto weekday_of = [&](unsigned day) { return (first_weekday + day - 1) % 7; };
  if (last_weekday_) {
    unsigned day = length;
    const unsigned wd = weekday_of(day);
    day -= wd == kSaturday ? 1 : (wd == kSunday ? 2 : 0);
    result |= std::uint32_t{1} << day;
  }
  for (std::uint32_t rest = nearest_ & valid; rest != 0; rest &= rest - 1) {
    const auto n = static_cast<unsigned>(std::countr_zero(rest));
    unsigned day = n;
    const unsigned wd = weekday_of(n);
    if (wd == kSaturday) {
      day = n == 1 ? 3 : n - 1;
    } else if (wd == kSunday) {
      day = n == length ? n - 2 : n + 1;
    }
    result |= std::uint32_t{1} << day;
  }
  return result;
}

}  // namespace sqlcron::schedule
