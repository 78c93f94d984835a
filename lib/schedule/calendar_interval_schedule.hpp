// CalendarIntervalSchedule: MySQL-style "every N UNIT" for DAY, WEEK, MONTH, QUARTER, YEAR
// and YEAR_MONTH: the k-th fire is the local wall-clock time `anchor + k * interval` computed from
// the anchor like MySQL DATE_ADD (a Jan 31 anchor fires on Feb 28/29, Mar 31, Apr 30…), mapped
// to an instant with the fixed-time DST rule (gap → first instant after it, overlap → first
// occurrence). Optionally only up to an `ends` instant (inclusive). `from_definition`: the anchor
// is the job's definition (no `starts` was given).
// Error contract: never throws; next_after() is bounded (a handful of steps from an estimate).
#pragma once

#include <optional>
#include <string>

#include "schedule/mysql_interval.hpp"
#include "schedule/schedule_impl.hpp"
#include "schedule/zone_timeline.hpp"

namespace sqlcron::schedule {

class CalendarIntervalSchedule final : public ScheduleImpl {
 public:
  CalendarIntervalSchedule(LocalSeconds anchor, MysqlInterval interval, std::optional<Instant> ends,
                           ZoneTimeline timeline, std::string description,
                           bool from_definition = false);

  [[nodiscard]] std::optional<Instant> next_after(Instant after) const override;
  [[nodiscard]] std::string describe() const override { return description_; }
  [[nodiscard]] Schedule::Anchoring anchoring() const override {
    return from_definition_ ? Schedule::Anchoring::wall_clock : Schedule::Anchoring::none;
  }

 private:
  [[nodiscard]] Instant fire(std::int64_t k) const;

  LocalSeconds anchor_;
  MysqlInterval interval_;
  std::optional<Instant> ends_;
  ZoneTimeline timeline_;
  std::string description_;
  bool from_definition_;
};

}  // namespace sqlcron::schedule
