// CronSchedule: a CronExpression evaluated in an IANA zone, with sqlcron's DST rules:
//  - fixed-time jobs (second, minute and hour fields do not start with '*') fire once per
//    matching local time: a time in a spring-forward gap fires at the first instant after the
//    gap, a time in a fall-back overlap fires at its first occurrence only;
//  - other jobs follow real time: they fire at every instant whose local reading matches, so
//    they skip local times in a gap and fire again in the repeated hour of an overlap.
// The search walks the zone's constant-offset segments: within one the local clock is a plain
// shift of UTC, so the naive local search of CronExpression applies directly.
// Error contract: construction does not throw; next_after() never throws and gives up (nullopt)
// after a 100-year horizon (parse already rejected expressions that can never fire).
#pragma once

#include <optional>
#include <string>

#include "schedule/cron_expression.hpp"
#include "schedule/schedule_impl.hpp"
#include "schedule/zone_timeline.hpp"

namespace sqlcron::schedule {

class CronSchedule final : public ScheduleImpl {
 public:
  CronSchedule(CronExpression expression, const date::time_zone* zone, Instant defined_at);

  [[nodiscard]] std::optional<Instant> next_after(Instant after) const override;
  [[nodiscard]] std::string describe() const override { return expression_.canonical(); }

  [[nodiscard]] const CronExpression& expression() const { return expression_; }

 private:
  [[nodiscard]] std::optional<Instant> next_fixed_time(Instant start) const;
  [[nodiscard]] std::optional<Instant> next_real_time(Instant start) const;
  [[nodiscard]] std::optional<LocalSeconds> next_local(LocalSeconds from) const;

  CronExpression expression_;
  ZoneTimeline timeline_;
};

}  // namespace sqlcron::schedule
