// ZoneTimeline: a job zone's UTC offsets as a sequence of constant-offset segments, and the
// mapping of local wall-clock times to instants under sqlcron's fixed-time DST rule (a local
// time in a spring-forward gap maps to the first instant after the gap; one in a fall-back
// overlap maps to its first occurrence). Caches the zone's final offset when the zone has no
// further transitions (UTC, Asia/Kolkata…) so lookups there cost nothing.
// Error contract: never throws (the zone pointer must be valid; date's lookups do not throw for
// sys/local times inside the supported range).
#pragma once

#include <date/tz.h>

#include <chrono>

#include "schedule/schedule.hpp"

namespace sqlcron::schedule {

using LocalSeconds = date::local_seconds;

struct ZoneSegment {
  Instant begin;  // first instant with `offset`
  Instant end;    // first instant after the segment
  std::chrono::seconds offset;
};

class ZoneTimeline {
 public:
  // `hint` is an instant near which the timeline will mostly be used (the caching decision).
  ZoneTimeline(const date::time_zone* zone, Instant hint);

  [[nodiscard]] const date::time_zone* zone() const { return zone_; }

  // The segment containing `t`.
  [[nodiscard]] ZoneSegment segment_at(Instant t) const;

  // The offset in force just before `t` (i.e. at t - 1s).
  [[nodiscard]] std::chrono::seconds offset_before(Instant t) const;

  [[nodiscard]] LocalSeconds to_local(Instant t) const;

  // Fixed-time rule: unique -> that instant; nonexistent (gap) -> the first instant after the
  // gap; ambiguous (overlap) -> the first occurrence.
  [[nodiscard]] Instant earliest_instant(LocalSeconds local) const;

  struct Resolution {
    enum class Kind { unique, nonexistent, ambiguous } kind;
    Instant first;  // unique/ambiguous: first occurrence; nonexistent: first instant after gap
  };
  [[nodiscard]] Resolution resolve(LocalSeconds local) const;

 private:
  const date::time_zone* zone_;
  bool fixed_ = false;  // true: from fixed_begin_ on the offset never changes again
  Instant fixed_begin_{};
  std::chrono::seconds fixed_offset_{0};
};

}  // namespace sqlcron::schedule
