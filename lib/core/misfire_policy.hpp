// Misfire handling: which slots to catch up after the daemon could not fire (it was down, the
// database was unreachable, the server was read-only, the wall clock jumped forward). Pure.
//
//   skip      nothing is caught up
//   run_once  one `catchup` run for the latest missed slot, if it is within `grace` of now
//   run_all   every missed slot within `grace` of now, oldest first (at most `limit`)
//
// Missed slots are the schedule's slots in (last_recorded, now]. `last_recorded` is the latest
// scheduled_for of the job in the run log (any status), so the decision holds across restarts
// and instances; a job never run before has nothing to catch up.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

#include "config/policies.hpp"
#include "schedule/schedule.hpp"

namespace sqlcron::core {

using MisfirePolicy = config::Misfire;

std::vector<schedule::Instant> catchup_slots(const schedule::Schedule& schedule,
                                             std::optional<schedule::Instant> last_recorded,
                                             schedule::Instant now, MisfirePolicy policy,
                                             std::chrono::milliseconds grace,
                                             std::size_t limit = 1000);

}  // namespace sqlcron::core
