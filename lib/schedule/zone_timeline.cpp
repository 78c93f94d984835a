#include "schedule/zone_timeline.hpp"

namespace sqlcron::schedule {
namespace {

using std::chrono::seconds;

// Offsets differ by far less than a day, so a local time more than a day past the start of the
// final segment cannot be in a gap or overlap.
constexpr seconds kTransitionMargin{86400};

// date reports the open end of the last segment as the year 32767.
bool is_open_ended(const date::sys_info& info) {
  return info.end >= date::sys_days{date::year{32000} / 1 / 1};
}

}  // namespace

ZoneTimeline::ZoneTimeline(const date::time_zone* zone, Instant hint) : zone_(zone) {
  const date::sys_info info = zone_->get_info(hint);
  if (is_open_ended(info)) {
    fixed_ = true;
    fixed_begin_ = date::floor<seconds>(info.begin);
    fixed_offset_ = info.offset;
  }
}

ZoneSegment ZoneTimeline::segment_at(Instant t) const {
  if (fixed_ && t >= fixed_begin_) {
    return {fixed_begin_, Instant::max(), fixed_offset_};
  }
  const date::sys_info info = zone_->get_info(t);
  return {info.begin, info.end, info.offset};
}

seconds ZoneTimeline::offset_before(Instant t) const {
  if (fixed_ && t > fixed_begin_) {
    return fixed_offset_;
  }
  return zone_->get_info(t - seconds{1}).offset;
}

LocalSeconds ZoneTimeline::to_local(Instant t) const {
  const seconds offset = (fixed_ && t >= fixed_begin_) ? fixed_offset_ : zone_->get_info(t).offset;
  return LocalSeconds{t.time_since_epoch() + offset};
}

ZoneTimeline::Resolution ZoneTimeline::resolve(LocalSeconds local) const {
  if (fixed_) {
    const Instant guess{local.time_since_epoch() - fixed_offset_};
    if (guess >= fixed_begin_ + kTransitionMargin) {
      return {Resolution::Kind::unique, guess};
    }
  }
  const date::local_info info = zone_->get_info(local);
  switch (info.result) {
    case date::local_info::nonexistent:
      return {Resolution::Kind::nonexistent, date::floor<seconds>(info.second.begin)};
    case date::local_info::ambiguous:
      return {Resolution::Kind::ambiguous, Instant{local.time_since_epoch() - info.first.offset}};
    default:
      return {Resolution::Kind::unique, Instant{local.time_since_epoch() - info.first.offset}};
  }
}

Instant ZoneTimeline::earliest_instant(LocalSeconds local) const { return resolve(local).first; }

}  // namespace sqlcron::schedule
