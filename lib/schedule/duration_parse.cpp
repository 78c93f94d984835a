#include "schedule/duration_parse.hpp"

#include <cctype>
#include <cstdint>
#include <string>

#include "schedule/schedule_error.hpp"

namespace sqlcron::schedule {
namespace {

constexpr std::int64_t kMaxSeconds = std::int64_t{100} * 366 * 86400;

[[noreturn]] void fail(std::string_view text, const std::string& problem) {
  throw ScheduleError("@every: '" + std::string(text) + "' " + problem);
}

}  // namespace

std::chrono::seconds parse_every_duration(std::string_view text) {
  if (text.empty()) {
    throw ScheduleError("@every: missing duration (e.g. '@every 15m')");
  }
  std::int64_t total = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::int64_t number = 0;
    const std::size_t start = pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])) != 0) {
      if (pos - start >= 12) {
        fail(text, "is too long (at most 100 years)");
      }
      number = number * 10 + (text[pos] - '0');
      ++pos;
    }
    if (pos == start) {
      fail(text, "is not a duration like 90s, 15m or 1h30m");
    }
    if (pos == text.size()) {
      fail(text, "lacks a unit after " + std::to_string(number) + " (d, h, m or s)");
    }
    std::int64_t unit = 0;
    switch (std::tolower(static_cast<unsigned char>(text[pos]))) {
      case 'd':
        unit = 86400;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'm':
        unit = 60;
        break;
      case 's':
        unit = 1;
        break;
      default:
        fail(text, "has unknown unit '" + std::string(1, text[pos]) + "' (use d, h, m or s)");
    }
    ++pos;
    total += number * unit;
    if (total > kMaxSeconds) {
      fail(text, "is too long (at most 100 years)");
    }
  }
  if (total == 0) {
    fail(text, "must be longer than zero");
  }
  return std::chrono::seconds{total};
}

std::string format_every_duration(std::chrono::seconds d) {
  std::int64_t rest = d.count();
  std::string out;
  const auto part = [&](std::int64_t unit, char suffix) {
    if (rest >= unit) {
      out += std::to_string(rest / unit);
      out += suffix;
      rest %= unit;
    }
  };
  part(86400, 'd');
  part(3600, 'h');
  part(60, 'm');
  part(1, 's');
  return out;
}

}  // namespace sqlcron::schedule
