#include "core/misfire_policy.hpp"

#include <deque>

namespace sqlcron::core {

std::vector<schedule::Instant> catchup_slots(const schedule::Schedule& schedule,
                                             std::optional<schedule::Instant> last_recorded,
                                             schedule::Instant now, MisfirePolicy policy,
                                             std::chrono::milliseconds grace, std::size_t limit) {
  if (policy == MisfirePolicy::skip || !last_recorded || *last_recorded >= now) return {};
  std::deque<schedule::Instant> out;
  const auto oldest = now - std::chrono::ceil<std::chrono::seconds>(grace);
  // Start the search at the later of the last recorded slot and the grace window.
  auto from = std::max(*last_recorded, oldest - std::chrono::seconds(1));
  for (auto t = schedule.next_after(from); t && *t <= now; t = schedule.next_after(*t)) {
    if (*t < oldest) continue;
    if (policy == MisfirePolicy::run_once) {
      if (out.empty()) {
        out.push_back(*t);
      } else {
        out.back() = *t;
      }
    } else {
      out.push_back(*t);
      if (out.size() > limit) out.pop_front();  // keep the latest `limit`
    }
  }
  return {out.begin(), out.end()};
}

}  // namespace sqlcron::core
