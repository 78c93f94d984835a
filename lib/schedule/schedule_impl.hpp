// ScheduleImpl: the abstract base behind Schedule. Each kind of schedule (cron, elapsed interval,
// calendar interval, one-shot) implements it; instances are immutable after construction and
// safe to share between threads.
// Error contract: construction (in the parsers) throws ScheduleError; next_after() and describe()
// never throw.
#pragma once

#include <optional>
#include <string>

#include "schedule/schedule.hpp"

namespace sqlcron::schedule {

class ScheduleImpl {
 public:
  ScheduleImpl() = default;
  ScheduleImpl(const ScheduleImpl&) = delete;
  ScheduleImpl& operator=(const ScheduleImpl&) = delete;
  virtual ~ScheduleImpl() = default;

  // The first fire instant > `after`, or nullopt if there is none (within the search horizon).
  [[nodiscard]] virtual std::optional<Instant> next_after(Instant after) const = 0;

  // A canonical expression with the same fire times, independent of `defined_at`.
  [[nodiscard]] virtual std::string describe() const = 0;

  // Whether (and how) the fire times count from `defined_at`; see Schedule::anchoring().
  [[nodiscard]] virtual Schedule::Anchoring anchoring() const { return Schedule::Anchoring::none; }
};

}  // namespace sqlcron::schedule
