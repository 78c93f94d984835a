// ExpositionWriter: appends metric families to a text in the Prometheus text exposition format,
// version 0.0.4 (`# HELP`, `# TYPE`, then one sample per line). It escapes label values and HELP
// text and formats numbers; deciding what to write, and in which order, is the caller's job.
//
// Error contract: nothing throws except std::bad_alloc.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "metrics/histogram.hpp"

namespace sqlcron::metrics {

using Label = std::pair<std::string_view, std::string_view>;  // name (a valid label name), value

class ExpositionWriter {
 public:
  // `type` is counter, gauge or histogram; `name` is the family name (with `_total` for counters).
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, std::initializer_list<Label> labels, double value);
  void sample(std::string_view name, std::initializer_list<Label> labels, std::uint64_t value);
  // name_bucket{...,le="..."} for every bound and +Inf (cumulative), then name_sum, name_count.
  void histogram(std::string_view name, std::initializer_list<Label> labels, const Histogram& h);

  [[nodiscard]] std::string take() && { return std::move(out_); }

  // Backslash, double quote and newline become \\, \" and \n.
  [[nodiscard]] static std::string escape_label_value(std::string_view value);
  // Shortest round-trip text; NaN, +Inf, -Inf as Prometheus spells them.
  [[nodiscard]] static std::string format_value(double value);

 private:
  void write_sample(std::string_view name, std::string_view suffix,
                    std::initializer_list<Label> labels, std::string_view le,
                    std::string_view value);

  std::string out_;
};

}  // namespace sqlcron::metrics
