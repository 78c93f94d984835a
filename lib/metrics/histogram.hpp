// Histogram: counts observations into fixed upper bounds (Prometheus `le` buckets, plus the
// implicit +Inf bucket) and keeps their count and sum. Not thread-safe: MetricsImpl guards it.
//
// Error contract: nothing throws except std::bad_alloc (construction).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

namespace sqlcron::metrics {

class Histogram {
 public:
  // `upper_bounds` must be finite and strictly ascending.
  explicit Histogram(std::initializer_list<double> upper_bounds);

  // `value` must not be NaN (MetricsImpl clamps what it is given).
  void observe(double value);

  [[nodiscard]] const std::vector<double>& upper_bounds() const { return bounds_; }
  // Observations <= upper_bounds()[i] (the cumulative count Prometheus wants for `le`).
  [[nodiscard]] std::uint64_t cumulative_count(std::size_t i) const;
  [[nodiscard]] std::uint64_t count() const { return count_; }
  [[nodiscard]] double sum() const { return sum_; }

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;  // per bucket, not cumulative; the last one is +Inf
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

}  // namespace sqlcron::metrics
