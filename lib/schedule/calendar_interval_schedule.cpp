#include "schedule/calendar_interval_schedule.hpp"

#include <algorithm>
#include <utility>

namespace sqlcron::schedule {
namespace {

// Fire instants past this are not computed (date's calendar ends at the year 32767).
constexpr date::year kLastYear{9999};

}  // namespace

CalendarIntervalSchedule::CalendarIntervalSchedule(LocalSeconds anchor, MysqlInterval interval,
                                                   std::optional<Instant> ends,
                                                   ZoneTimeline timeline, std::string description,
                                                   bool from_definition)
    : anchor_(anchor),
      interval_(std::move(interval)),
      ends_(ends),
      timeline_(timeline),
      description_(std::move(description)),
      from_definition_(from_definition) {}

Instant CalendarIntervalSchedule::fire(std::int64_t k) const {
  return timeline_.earliest_instant(interval_.add_to(anchor_, k));
}

std::optional<Instant> CalendarIntervalSchedule::next_after(Instant after) const {
  // Estimate the step from the local calendar distance, one step early to absorb clamping and
  // DST, then walk forward; fire(k) strictly increases with k.
  std::int64_t k = 0;
  const LocalSeconds local_after = timeline_.to_local(after);
  if (local_after > anchor_) {
    if (interval_.months() != 0) {
      const date::year_month_day a{date::floor<date::days>(anchor_)};
      const date::year_month_day b{date::floor<date::days>(local_after)};
      const std::int64_t months = (static_cast<int>(b.year()) - static_cast<int>(a.year())) * 12 +
                                  (static_cast<int>(static_cast<unsigned>(b.month())) -
                                   static_cast<int>(static_cast<unsigned>(a.month())));
      k = std::max<std::int64_t>(0, months / interval_.months() - 1);
    } else {
      k = std::max<std::int64_t>(0, (local_after - anchor_).count() / interval_.seconds() - 1);
    }
  }
  const date::year_month_day last{date::floor<date::days>(interval_.add_to(anchor_, k))};
  if (last.year() > kLastYear) {
    return std::nullopt;
  }
  Instant next = fire(k);
  for (int guard = 0; next <= after && guard < 8; ++guard) {
    next = fire(++k);
  }
  if (next <= after || (ends_ && next > *ends_) ||
      next >= date::sys_days{(kLastYear + date::years{1}) / 1 / 1}) {
    return std::nullopt;
  }
  return next;
}

}  // namespace sqlcron::schedule
