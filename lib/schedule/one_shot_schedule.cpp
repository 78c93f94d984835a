#include "schedule/one_shot_schedule.hpp"

#include <utility>

namespace sqlcron::schedule {

OneShotSchedule::OneShotSchedule(Instant at, std::string description)
    : at_(at), description_(std::move(description)) {}

std::optional<Instant> OneShotSchedule::next_after(Instant after) const {
  if (after < at_) {
    return at_;
  }
  return std::nullopt;
}

}  // namespace sqlcron::schedule
