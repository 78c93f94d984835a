#include "schedule/cron_schedule.hpp"

#include <utility>

namespace sqlcron::schedule {
namespace {

using std::chrono::seconds;

// Far enough for the rarest possible expression (a 5th weekday of February recurs after at most
// 40 years) and still a bounded search.
constexpr int kHorizonYears = 100;

// Real-time search: steps over at most this many segments before giving up (more are never
// needed: after the first step it jumps straight to the candidate's segment).
constexpr int kMaxSegmentSteps = 16;

LocalSeconds local_of(Instant t, seconds offset) {
  return LocalSeconds{t.time_since_epoch() + offset};
}

Instant instant_of(LocalSeconds l, seconds offset) {
  return Instant{l.time_since_epoch() - offset};
}

// Local time at the end of a segment, saturating for the open-ended last one.
LocalSeconds local_end(const ZoneSegment& seg) {
  if (seg.end == Instant::max()) {
    return LocalSeconds::max();
  }
  return local_of(seg.end, seg.offset);
}

}  // namespace

CronSchedule::CronSchedule(CronExpression expression, const date::time_zone* zone,
                           Instant defined_at)
    : expression_(std::move(expression)), timeline_(zone, defined_at) {}

std::optional<LocalSeconds> CronSchedule::next_local(LocalSeconds from) const {
  const int year = static_cast<int>(date::year_month_day{date::floor<date::days>(from)}.year());
  return expression_.next_local(from, year + kHorizonYears);
}

std::optional<Instant> CronSchedule::next_after(Instant after) const {
  const Instant start = after + seconds{1};
  return expression_.is_fixed_time() ? next_fixed_time(start) : next_real_time(start);
}

// Fixed-time: each matching local time L fires once, at m(L) = the unique instant, the first
// occurrence (overlap) or the first instant after the gap. m is non-decreasing in L, so the
// answer is m of the first matching L not already fired before `start`.
std::optional<Instant> CronSchedule::next_fixed_time(Instant start) const {
  const ZoneSegment seg = timeline_.segment_at(start);
  LocalSeconds from = local_of(start, seg.offset);
  // In the second pass through a fall-back overlap the repeated local times already fired at
  // their first occurrence; continue after the overlap.
  if (seg.begin != Instant::min() && start - seg.begin < seconds{86400}) {
    const seconds before = timeline_.offset_before(seg.begin);
    if (before > seg.offset) {
      from = std::max(from, local_of(seg.begin, before));
    }
  }
  const std::optional<LocalSeconds> local = next_local(from);
  if (!local) {
    return std::nullopt;
  }
  if (*local < local_end(seg)) {
    return instant_of(*local, seg.offset);
  }
  return timeline_.earliest_instant(*local);
}

// Real time: fire at every instant whose local reading matches. Search the segment containing
// `start`, then the next one (its beginning may repeat local times of a fall-back), then jump to
// the segment of the candidate: past those, the local clock never revisits a searched time.
std::optional<Instant> CronSchedule::next_real_time(Instant start) const {
  ZoneSegment seg = timeline_.segment_at(start);
  LocalSeconds from = local_of(start, seg.offset);
  std::optional<LocalSeconds> local = next_local(from);
  LocalSeconds searched_from = from;
  for (int step = 0; step < kMaxSegmentSteps; ++step) {
    if (!local) {
      return std::nullopt;
    }
    if (*local < local_end(seg)) {
      return instant_of(*local, seg.offset);
    }
    if (step == 0) {
      seg = timeline_.segment_at(seg.end);
      from = local_of(seg.begin, seg.offset);
    } else {
      const ZoneTimeline::Resolution r = timeline_.resolve(*local);
      if (r.kind != ZoneTimeline::Resolution::Kind::nonexistent) {
        return r.first;
      }
      seg = timeline_.segment_at(r.first);
      from = local_of(r.first, seg.offset);
    }
    // Re-search when the new segment starts below what was searched (a fall-back) or the
    // candidate lies in a gap before it.
    if (*local < from || from < searched_from) {
      local = next_local(from);
      searched_from = from;
    }
  }
  return std::nullopt;
}

}  // namespace sqlcron::schedule
