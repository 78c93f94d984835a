#include "schedule/elapsed_interval_schedule.hpp"

#include <utility>

namespace sqlcron::schedule {

ElapsedIntervalSchedule::ElapsedIntervalSchedule(Instant anchor, std::chrono::seconds period,
                                                 std::optional<Instant> ends,
                                                 std::string description, bool from_definition)
    : anchor_(anchor),
      period_(period),
      ends_(ends),
      description_(std::move(description)),
      from_definition_(from_definition) {}

std::optional<Instant> ElapsedIntervalSchedule::next_after(Instant after) const {
  Instant next = anchor_;
  if (after >= anchor_) {
    next = anchor_ + ((after - anchor_) / period_ + 1) * period_;
  }
  if (ends_ && next > *ends_) {
    return std::nullopt;
  }
  return next;
}

}  // namespace sqlcron::schedule
