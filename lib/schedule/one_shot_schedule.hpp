// OneShotSchedule: MySQL-style "at T [+ interval N UNIT]…": fires once, at one instant.
// Error contract: never throws; next_after() returns nullopt once the instant is not after the
// given one.
#pragma once

#include <optional>
#include <string>

#include "schedule/schedule_impl.hpp"

namespace sqlcron::schedule {

class OneShotSchedule final : public ScheduleImpl {
 public:
  OneShotSchedule(Instant at, std::string description);

  [[nodiscard]] std::optional<Instant> next_after(Instant after) const override;
  [[nodiscard]] std::string describe() const override { return description_; }

  [[nodiscard]] Instant at() const { return at_; }

 private:
  Instant at_;
  std::string description_;
};

}  // namespace sqlcron::schedule
