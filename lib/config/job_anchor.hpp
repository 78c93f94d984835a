// JobAnchor: the anchor of a job whose schedule counts from its definition (`@every D` or
// `every N unit` without `starts`), and the schedule it belongs to. The anchor is the job's first
// definition, kept in the state schema (runlog::AnchorStore) so that reloads, restarts, other
// daemons and the CLI count from the same instant; a changed schedule re-anchors
// (docs/schedules.md).
#pragma once

#include <string>

#include "schedule/schedule.hpp"

namespace sqlcron::config {

struct JobAnchor {
  std::string job;
  std::string schedule;  // the expression as written (trimmed)
  // The zone's name when the anchor is a local wall-clock time (calendar intervals: DAY and
  // longer); "" when the zone plays no part (elapsed intervals: `@every`, SECOND..HOUR).
  std::string timezone;
  schedule::Instant anchored_at;

  // True if `other` anchors the same job's same schedule (its instant may differ).
  [[nodiscard]] bool same_schedule(const JobAnchor& other) const {
    return job == other.job && schedule == other.schedule && timezone == other.timezone;
  }
};

}  // namespace sqlcron::config
