#include "util/duration.hpp"

#include <array>
#include <cctype>
#include <stdexcept>

namespace sqlcron::util {

namespace {

std::chrono::milliseconds unit_length(std::string_view unit, std::string_view whole) {
  using namespace std::chrono;
  if (unit == "ms") return milliseconds(1);
  if (unit == "s") return seconds(1);
  if (unit == "m") return minutes(1);
  if (unit == "h") return hours(1);
  if (unit == "d") return hours(24);
  throw std::invalid_argument("'" + std::string(whole) +
                              "' is not a duration: unit must be ms, s, m, h or d");
}

}  // namespace

std::chrono::milliseconds parse_duration(std::string_view text) {
  const std::string whole(text);
  if (text.empty()) {
    throw std::invalid_argument("empty duration: expected a number with a unit, e.g. 90s or 15m");
  }
  std::chrono::milliseconds total{0};
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t start = i;
    long long value = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) != 0) {
      value = value * 10 + (text[i] - '0');
      if (value > 1'000'000'000LL) {
        throw std::invalid_argument("'" + whole + "' is not a duration: number too large");
      }
      ++i;
    }
    if (i == start) {
      throw std::invalid_argument("'" + whole +
                                  "' is not a duration: expected a number with a unit, "
                                  "e.g. 90s, 15m, 2h, 1d or 1h30m");
    }
    start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i])) != 0) ++i;
    if (i == start) {
      throw std::invalid_argument("'" + whole +
                                  "' is not a duration: a unit (ms, s, m, h, d) must follow " +
                                  std::to_string(value));
    }
    total += value * unit_length(text.substr(start, i - start), text);
  }
  return total;
}

std::string format_duration(std::chrono::milliseconds d) {
  using namespace std::chrono;
  if (d.count() == 0) return "0s";
  std::string out;
  auto ms = d.count();
  struct Unit {
    long long len;
    const char* unit;
  };
  const std::array<Unit, 5> units{
      {{86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}, {1, "ms"}}};
  for (const auto& u : units) {
    if (ms >= u.len) {
      out += std::to_string(ms / u.len) + u.unit;
      ms %= u.len;
    }
  }
  return out;
}

}  // namespace sqlcron::util
