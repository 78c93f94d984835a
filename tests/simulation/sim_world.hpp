// SimWorld: the simulated clock and event queue of the deterministic simulation. Everything that
// happens - a daemon's timer, a database reply, the end of a run, a fault - is a callback at a
// steady instant; ties run in the order they were scheduled. The wall clock is the steady clock
// plus an offset that clock jumps move. One seeded generator makes a run replayable.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include "core/scheduler_event.hpp"

namespace sqlcron::sim {

using Nanos = std::chrono::nanoseconds;

class SimWorld {
 public:
  explicit SimWorld(std::uint64_t seed, std::chrono::system_clock::time_point start)
      : rng_(seed), start_(start) {}

  [[nodiscard]] Nanos steady() const { return now_; }
  [[nodiscard]] std::chrono::system_clock::time_point wall() const {
    return start_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(now_ + offset_);
  }
  [[nodiscard]] core::Now now() const {
    return {wall(), std::chrono::steady_clock::time_point(
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(now_))};
  }
  void after(Nanos delay, std::function<void()> fn) {
    queue_.push_back(Item{now_ + std::max(delay, Nanos::zero()), seq_++, std::move(fn)});
    std::push_heap(queue_.begin(), queue_.end(), std::greater<>{});
  }
  // Runs every callback due up to `until`, in order; the clock ends at `until`.
  void run_until(Nanos until) {
    while (!queue_.empty() && queue_.front().at <= until) {
      // A min-heap by hand rather than std::priority_queue, whose top() can only be copied.
      std::pop_heap(queue_.begin(), queue_.end(), std::greater<>{});
      auto item = std::move(queue_.back());
      queue_.pop_back();
      now_ = item.at;
      ++steps_;
      item.fn();
    }
    now_ = until;
  }
  void jump_wall(Nanos by) { offset_ += by; }
  std::mt19937_64& rng() { return rng_; }
  double uniform() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }
  [[nodiscard]] std::uint64_t steps() const { return steps_; }

 private:
  struct Item {
    Nanos at;
    std::uint64_t seq;
    std::function<void()> fn;
    bool operator>(const Item& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  std::vector<Item> queue_;  // a heap: the earliest (then first scheduled) item first
  Nanos now_{0};
  Nanos offset_{0};
  std::uint64_t seq_ = 0;
  std::uint64_t steps_ = 0;
  std::mt19937_64 rng_;
  std::chrono::system_clock::time_point start_;
};

}  // namespace sqlcron::sim
