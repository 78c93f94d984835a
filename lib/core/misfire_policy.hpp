// Misfire handling: which slots to catch up after the daemon could not fire (it was down, the
// database was unreachable, the server was read-only, the wall clock jumped forward). Pure.
//
//   skip      nothing is caught up
//   run_once  one `catchup` run for the latest missed slot, if it is within `grace` of now
//   run_all   every missed slot within `grace` of now, oldest first (at most `limit`)
//
// Missed slots are the schedule's slots in (last_recorded, now]. `last_recorded` is the latest
// scheduled_for of the job in the run log (any status), so the decision holds across restarts
// and instances; a job never run before has nothing to catch up. Every missed slot that does not
// run is returned too, with the reason, so that it gets a `skipped` row (the latest `limit`).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/policies.hpp"
#include "schedule/schedule.hpp"

namespace sqlcron::core {

using MisfirePolicy = config::Misfire;

struct MissedSlots {
  std::vector<schedule::Instant> run;                              // oldest first
  std::vector<std::pair<schedule::Instant, std::string>> dropped;  // with why; oldest first
};

MissedSlots missed_slots(const schedule::Schedule& schedule,
                         std::optional<schedule::Instant> last_recorded, schedule::Instant now,
                         MisfirePolicy policy, std::chrono::milliseconds grace,
                         std::size_t limit = 1000);

// The slots to run of missed_slots().
std::vector<schedule::Instant> catchup_slots(const schedule::Schedule& schedule,
                                             std::optional<schedule::Instant> last_recorded,
                                             schedule::Instant now, MisfirePolicy policy,
                                             std::chrono::milliseconds grace,
                                             std::size_t limit = 1000);

// Why a late slot does not run under `policy` (`in_grace`: it is within misfire_grace).
std::string misfire_reason(MisfirePolicy policy, bool in_grace);

}  // namespace sqlcron::core
