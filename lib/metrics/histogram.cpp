#include "metrics/histogram.hpp"

#include <algorithm>
#include <numeric>

namespace sqlcron::metrics {

Histogram::Histogram(std::initializer_list<double> upper_bounds)
    : bounds_(upper_bounds), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  // `le` is inclusive: a value equal to a bound belongs to that bound's bucket.
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  ++counts_[static_cast<std::size_t>(it - bounds_.begin())];
  ++count_;
  sum_ += value;
}

std::uint64_t Histogram::cumulative_count(std::size_t i) const {
  const auto end = counts_.begin() + static_cast<std::ptrdiff_t>(std::min(i + 1, counts_.size()));
  return std::accumulate(counts_.begin(), end, std::uint64_t{0});
}

}  // namespace sqlcron::metrics
