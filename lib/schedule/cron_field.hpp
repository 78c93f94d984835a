// CronField: one numeric cron field (second, minute, hour, month, or the plain values of a day
// field) as a bit set of allowed values, plus whether its text starts with '*' (which decides
// the Vixie day rule and whether a job is fixed-time).
// Error contract: parse() and parse_item() throw ScheduleError "<field>: <problem>" quoting the
// bad token, e.g. "minute: 'abc' is not a number or name", "day-of-month: 32 is out of range 1-31".
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace sqlcron::schedule {

struct FieldSpec {
  std::string_view name;                    // "minute", "day-of-week"…
  int min;                                  // smallest value
  int max;                                  // largest value (7 for day-of-week: 7 = Sunday)
  std::span<const std::string_view> names;  // names[i] is value names_base + i ("jan"…)
  int names_base;
};

class CronField {
 public:
  CronField() = default;

  // A whole field: comma-separated items, each `*`, `v`, `a-b`, `*/n`, `a-b/n` or `a/n`.
  static CronField parse(std::string_view text, const FieldSpec& spec);

  // One list item (no commas); returns its bits. Used by the day fields for their plain items.
  static std::uint64_t parse_item(std::string_view item, const FieldSpec& spec);

  // A single value (number or name) with range check.
  static int parse_value(std::string_view token, const FieldSpec& spec);

  [[nodiscard]] std::uint64_t bits() const { return bits_; }
  [[nodiscard]] bool starts_with_star() const { return star_; }
  [[nodiscard]] bool contains(int v) const { return ((bits_ >> v) & 1U) != 0; }

  // Smallest allowed value >= from, or -1.
  [[nodiscard]] int next(int from) const;
  [[nodiscard]] int first() const { return next(0); }

  // Builds a field directly (macros, tests).
  static CronField from_bits(std::uint64_t bits, bool star);

 private:
  std::uint64_t bits_ = 0;
  bool star_ = false;
};

// Calls fn(item) for each comma-separated item of `text` (empty items included).
template <class Fn>
void for_each_list_item(std::string_view text, const Fn& fn) {
  std::size_t pos = 0;
  while (true) {
    const std::size_t comma = text.find(',', pos);
    fn(text.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
    if (comma == std::string_view::npos) {
      return;
    }
    pos = comma + 1;
  }
}

}  // namespace sqlcron::schedule
