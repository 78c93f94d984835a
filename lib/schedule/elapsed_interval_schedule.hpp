// ElapsedIntervalSchedule: fires every `period` of real (UTC) time counted from an anchor
// instant: {anchor + k * period : k >= 0}, optionally only up to an `ends` instant (inclusive).
// Used by "@every <duration>" and by MySQL-style "every N UNIT" with sub-day units; DST does not
// affect it. `from_definition`: the anchor is the job's definition (no `starts` was given).
// Error contract: never throws (the parser validated period > 0 and ends >= anchor).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "schedule/schedule_impl.hpp"

namespace sqlcron::schedule {

class ElapsedIntervalSchedule final : public ScheduleImpl {
 public:
  ElapsedIntervalSchedule(Instant anchor, std::chrono::seconds period, std::optional<Instant> ends,
                          std::string description, bool from_definition = false);

  [[nodiscard]] std::optional<Instant> next_after(Instant after) const override;
  [[nodiscard]] std::string describe() const override { return description_; }
  [[nodiscard]] Schedule::Anchoring anchoring() const override {
    return from_definition_ ? Schedule::Anchoring::instant : Schedule::Anchoring::none;
  }

 private:
  Instant anchor_;
  std::chrono::seconds period_;
  std::optional<Instant> ends_;
  std::string description_;
  bool from_definition_;
};

}  // namespace sqlcron::schedule
