#include "schedule/day_of_week_field.hpp"

#include <array>
#include <string>

#include "schedule/schedule_error.hpp"

namespace sqlcron::schedule {
namespace {

constexpr std::array<std::string_view, 7> kNames{"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
constexpr FieldSpec kSpec{"day-of-week", 0, 7, kNames, 0};

// Bits 1, 8, 15, 22, 29: multiplying a 7-bit weekday pattern by this lays it over every week.
constexpr std::uint64_t kEveryWeek = (std::uint64_t{1} << 1) | (std::uint64_t{1} << 8) |
                                     (std::uint64_t{1} << 15) | (std::uint64_t{1} << 22) |
                                     (std::uint64_t{1} << 29);

unsigned weekday_value(std::string_view token) {
  return static_cast<unsigned>(CronField::parse_value(token, kSpec)) % 7;
}

}  // namespace

DayOfWeekField DayOfWeekField::parse(std::string_view text) {
  DayOfWeekField field;
  field.star_ = !text.empty() && text.front() == '*';
  for_each_list_item(text, [&](std::string_view item) {
    const std::size_t hash = item.find('#');
    if (hash != std::string_view::npos) {
      const unsigned wd = weekday_value(item.substr(0, hash));
      const std::string_view nth = item.substr(hash + 1);
      if (nth.size() != 1 || nth[0] < '1' || nth[0] > '5') {
        throw ScheduleError("day-of-week: '" + std::string(nth) + "' in '" + std::string(item) +
                            "' is not an occurrence 1-5");
      }
      field.nth_[wd] |= static_cast<std::uint8_t>(1U << (nth[0] - '1'));
      field.has_special_ = true;
    } else if (item.size() >= 2 && (item.back() == 'L' || item.back() == 'l')) {
      const unsigned wd = weekday_value(item.substr(0, item.size() - 1));
      field.last_ |= static_cast<std::uint8_t>(1U << wd);
      field.has_special_ = true;
    } else {
      const std::uint64_t bits = CronField::parse_item(item, kSpec);
      field.weekdays_ |= static_cast<std::uint8_t>((bits | (bits >> 7)) & 0x7FU);
    }
  });
  return field;
}

DayOfWeekField DayOfWeekField::any() { return parse("*"); }

std::uint32_t DayOfWeekField::mask(unsigned length, unsigned first_weekday) const {
  const std::uint64_t valid = (std::uint64_t{1} << (length + 1)) - 2;
  // Bit o of `rotated` says whether day 1+o (weekday first_weekday+o) matches.
  const unsigned w = weekdays_;
  const std::uint64_t rotated = ((w >> first_weekday) | (w << (7 - first_weekday))) & 0x7FU;
  std::uint64_t result = rotated * kEveryWeek;
  if (has_special_) {
    for (unsigned wd = 0; wd < 7; ++wd) {
      const unsigned first = 1 + (wd + 7 - first_weekday) % 7;
      for (unsigned n = 0; n < 5; ++n) {
        if (((nth_[wd] >> n) & 1U) != 0) {
          result |= std::uint64_t{1} << (first + 7 * n);
        }
      }
      if (((last_ >> wd) & 1U) != 0) {
        result |= std::uint64_t{1} << (first + 7 * ((length - first) / 7));
      }
    }
  }
  return static_cast<std::uint32_t>(result & valid);
}

}  // namespace sqlcron::schedule
