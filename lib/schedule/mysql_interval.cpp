#include "schedule/mysql_interval.hpp"

#include <array>
#include <cctype>
#include <vector>

#include "schedule/schedule_error.hpp"

namespace sqlcron::schedule {
namespace {

struct UnitSpec {
  std::string_view name;
  bool months;                          // parts count months, not seconds
  std::array<std::int64_t, 4> weights;  // per part, left to right; 0 ends the list
  std::string_view format;              // separators between parts, e.g. " ::"
  std::string_view example;
};

constexpr std::array<UnitSpec, 15> kUnits{{
    {"SECOND", false, {1}, "", "N"},
    {"MINUTE", false, {60}, "", "N"},
    {"HOUR", false, {3600}, "", "N"},
    {"DAY", false, {86400}, "", "N"},
    {"WEEK", false, {604800}, "", "N"},
    {"MONTH", true, {1}, "", "N"},
    {"QUARTER", true, {3}, "", "N"},
    {"YEAR", true, {12}, "", "N"},
    {"DAY_HOUR", false, {86400, 3600}, " ", "'D H'"},
    {"DAY_MINUTE", false, {86400, 3600, 60}, " :", "'D H:M'"},
    {"DAY_SECOND", false, {86400, 3600, 60, 1}, " ::", "'D H:M:S'"},
    {"HOUR_MINUTE", false, {3600, 60}, ":", "'H:M'"},
    {"HOUR_SECOND", false, {3600, 60, 1}, "::", "'H:M:S'"},
    {"MINUTE_SECOND", false, {60, 1}, ":", "'M:S'"},
    {"YEAR_MONTH", true, {12, 1}, "-", "'Y-M'"},
}};

constexpr std::int64_t kMaxSeconds = std::int64_t{100} * 366 * 86400;
constexpr std::int64_t kMaxMonths = 1200;

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::size_t part_count(const UnitSpec& spec) {
  std::size_t n = 0;
  while (n < spec.weights.size() && spec.weights[n] != 0) {
    ++n;
  }
  return n;
}

}  // namespace

MysqlInterval MysqlInterval::parse(std::string_view quantity, std::string_view unit,
                                   std::string_view clause) {
  const std::string unit_name = upper(unit);
  const UnitSpec* spec = nullptr;
  for (const UnitSpec& u : kUnits) {
    if (u.name == unit_name) {
      spec = &u;
    }
  }
  if (spec == nullptr) {
    throw ScheduleError(std::string(clause) + ": unknown unit '" + std::string(unit) +
                        "' (expected SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, QUARTER, YEAR, "
                        "DAY_HOUR, DAY_MINUTE, DAY_SECOND, HOUR_MINUTE, HOUR_SECOND, "
                        "MINUTE_SECOND or YEAR_MONTH)");
  }
  const auto bad = [&](const std::string& problem) {
    return ScheduleError(std::string(clause) + ": '" + std::string(quantity) + "' " + problem);
  };
  const std::size_t parts = part_count(*spec);
  std::vector<std::int64_t> values;
  std::size_t pos = 0;
  while (pos < quantity.size()) {
    if (std::isdigit(static_cast<unsigned char>(quantity[pos])) == 0) {
      if (parts == 1 || (quantity[pos] == '-' && values.empty())) {
        throw bad("is not a positive whole number of " + unit_name);
      }
      ++pos;
      continue;
    }
    std::int64_t v = 0;
    const std::size_t start = pos;
    while (pos < quantity.size() && std::isdigit(static_cast<unsigned char>(quantity[pos])) != 0) {
      if (pos - start >= 10) {
        throw bad("is too large");
      }
      v = v * 10 + (quantity[pos] - '0');
      ++pos;
    }
    values.push_back(v);
  }
  if (values.empty()) {
    throw bad("is not a number");
  }
  if (values.size() > parts) {
    throw bad("has too many parts for " + unit_name + " (expected " + std::string(spec->example) +
              ")");
  }
  values.insert(values.begin(), parts - values.size(), 0);  // missing leftmost parts are zero

  MysqlInterval interval;
  interval.unit_ = unit_name;
  interval.calendar_days_ = unit_name == "DAY" || unit_name == "WEEK";
  std::int64_t total = 0;
  for (std::size_t i = 0; i < parts; ++i) {
    total += values[i] * spec->weights[i];
    if (total > (spec->months ? kMaxMonths : kMaxSeconds)) {
      throw bad("is too large (at most 100 years)");
    }
    if (i > 0) {
      interval.canonical_quantity_ += spec->format[i - 1];
    }
    interval.canonical_quantity_ += std::to_string(values[i]);
  }
  if (total == 0) {
    throw bad("must be greater than zero");
  }
  (spec->months ? interval.months_ : interval.seconds_) = total;
  if (parts > 1) {
    interval.canonical_quantity_ = "'" + interval.canonical_quantity_ + "'";
  }
  return interval;
}

LocalSeconds MysqlInterval::add_to(LocalSeconds t, std::int64_t times) const {
  if (months_ != 0) {
    const auto day_point = date::floor<date::days>(t);
    const auto tod = t - day_point;
    const date::year_month_day ymd{day_point};
    const date::year_month ym =
        date::year_month{ymd.year(), ymd.month()} + date::months{months_ * times};
    const date::day last =
        date::year_month_day_last{ym.year(), date::month_day_last{ym.month()}}.day();
    const date::day day = std::min(ymd.day(), last);
    t = LocalSeconds{date::local_days{ym.year() / ym.month() / day}} + tod;
  }
  return t + std::chrono::seconds{seconds_ * times};
}

std::string MysqlInterval::describe() const { return canonical_quantity_ + " " + unit_; }

}  // namespace sqlcron::schedule
