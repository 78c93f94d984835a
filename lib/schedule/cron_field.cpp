#include "schedule/cron_field.hpp"

#include <bit>
#include <cctype>
#include <charconv>

#include "schedule/schedule_error.hpp"
#include "util/text.hpp"

namespace sqlcron::schedule {
namespace {

[[noreturn]] void fail(const FieldSpec& spec, const std::string& problem) {
  throw ScheduleError(std::string(spec.name) + ": " + problem);
}

std::string quoted(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.append(1, '\'').append(s).append(1, '\'');
  return out;
}

bool all_digits(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (const char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) {
      return false;
    }
  }
  return true;
}

std::uint64_t range_bits(int lo, int hi, int step) {
  std::uint64_t bits = 0;
  for (int v = lo; v <= hi; v += step) {
    bits |= std::uint64_t{1} << v;
  }
  return bits;
}

}  // namespace

int CronField::parse_value(std::string_view token, const FieldSpec& spec) {
  int value = 0;
  if (all_digits(token)) {
    if (token.size() > 4) {
      fail(spec, std::string(token) + " is out of range " + std::to_string(spec.min) + "-" +
                     std::to_string(spec.max));
    }
    std::from_chars(token.data(), token.data() + token.size(), value);
  } else {
    bool found = false;
    for (std::size_t i = 0; i < spec.names.size(); ++i) {
      if (util::equals_ignore_case(token, spec.names[i])) {
        value = spec.names_base + static_cast<int>(i);
        found = true;
        break;
      }
    }
    if (!found) {
      if (token.empty()) {
        fail(spec, "empty value");
      }
      fail(spec, quoted(token) + " is not a number or name");
    }
  }
  if (value < spec.min || value > spec.max) {
    fail(spec, std::to_string(value) + " is out of range " + std::to_string(spec.min) + "-" +
                   std::to_string(spec.max));
  }
  return value;
}

std::uint64_t CronField::parse_item(std::string_view item, const FieldSpec& spec) {
  if (item.empty()) {
    fail(spec, "empty list item");
  }
  std::string_view range = item;
  int step = 1;
  const std::size_t slash = item.find('/');
  bool has_step = false;
  if (slash != std::string_view::npos) {
    range = item.substr(0, slash);
    const std::string_view step_text = item.substr(slash + 1);
    const int span = spec.max - spec.min + 1;
    if (!all_digits(step_text) || step_text.size() > 4) {
      fail(spec, "step " + quoted(step_text) + " in " + quoted(item) + " is not a number");
    }
    std::from_chars(step_text.data(), step_text.data() + step_text.size(), step);
    if (step < 1 || step > span) {
      fail(spec, "step " + std::to_string(step) + " in " + quoted(item) + " is out of range 1-" +
                     std::to_string(span));
    }
    has_step = true;
  }
  int lo = spec.min;
  int hi = spec.max;
  if (range == "*") {
    // lo/hi already cover the field
  } else {
    const std::size_t dash = range.find('-');
    if (dash == std::string_view::npos) {
      lo = parse_value(range, spec);
      // "a/n" runs from a to the end of the field; a plain value is just itself.
      hi = has_step ? spec.max : lo;
    } else {
      if (dash == 0 || dash + 1 == range.size()) {
        fail(spec, "range " + quoted(range) + " is incomplete");
      }
      lo = parse_value(range.substr(0, dash), spec);
      hi = parse_value(range.substr(dash + 1), spec);
      // "FRI-SUN": Sunday written as 0 at the end of a day-of-week range means 7.
      if (spec.max == 7 && hi == 0 && lo > 0) {
        hi = 7;
      }
      if (hi < lo) {
        fail(spec, "range " + quoted(range) + " runs backwards");
      }
    }
  }
  return range_bits(lo, hi, step);
}

CronField CronField::parse(std::string_view text, const FieldSpec& spec) {
  CronField field;
  field.star_ = !text.empty() && text.front() == '*';
  for_each_list_item(text, [&](std::string_view item) { field.bits_ |= parse_item(item, spec); });
  return field;
}

CronField CronField::from_bits(std::uint64_t bits, bool star) {
  CronField field;
  field.bits_ = bits;
  field.star_ = star;
  return field;
}

int CronField::next(int from) const {
  if (from < 0) {
    from = 0;
  }
  if (from > 63) {
    return -1;
  }
  const std::uint64_t rest = bits_ >> from << from;
  return rest == 0 ? -1 : std::countr_zero(rest);
}

}  // namespace sqlcron::schedule
