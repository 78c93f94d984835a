#include "core/misfire_policy.hpp"

#include <algorithm>
#include <deque>

namespace sqlcron::core {

namespace {

// At most this many slots are walked for one job: a per-second job missed for a year is not
// walked slot by slot (the rows of the oldest drops are then not written).
constexpr std::size_t kMaxWalk = 200000;

template <typename T>
void push_bounded(std::deque<T>& q, T value, std::size_t limit) {
  q.push_back(std::move(value));
  if (q.size() > limit) q.pop_front();  // keep the latest `limit`
}

}  // namespace

std::string misfire_reason(MisfirePolicy policy, bool in_grace) {
  if (policy == MisfirePolicy::skip) return "misfire: missed, and the job's misfire policy is skip";
  if (!in_grace) return "misfire: missed by more than misfire_grace";
  return "misfire: run_once runs only the latest missed slot";
}

MissedSlots missed_slots(const schedule::Schedule& schedule,
                         std::optional<schedule::Instant> last_recorded, schedule::Instant now,
                         MisfirePolicy policy, std::chrono::milliseconds grace, std::size_t limit) {
  MissedSlots out;
  if (!last_recorded || *last_recorded >= now) return out;
  std::deque<schedule::Instant> run;
  std::deque<std::pair<schedule::Instant, std::string>> dropped;
  const auto oldest = now - std::chrono::ceil<std::chrono::seconds>(grace);
  const auto drop = [&](schedule::Instant t, bool in_grace) {
    push_bounded(dropped, {t, misfire_reason(policy, in_grace)}, limit);
  };
  auto from = *last_recorded;
  std::size_t walked = 0;
  for (auto t = schedule.next_after(from); t && *t <= now; t = schedule.next_after(*t)) {
    if (++walked == kMaxWalk && *t < oldest) {
      t = schedule.next_after(oldest - std::chrono::seconds(1));  // on to the grace window
      if (!t || *t > now) break;
    }
    const bool in_grace = *t >= oldest;
    if (policy == MisfirePolicy::skip || !in_grace) {
      drop(*t, in_grace);
    } else if (policy == MisfirePolicy::run_once) {
      if (!run.empty()) drop(run.back(), true);
      run.assign(1, *t);
    } else {
      if (run.size() == limit) drop(run.front(), true);
      push_bounded(run, *t, limit);
    }
  }
  out.run.assign(run.begin(), run.end());
  out.dropped.assign(dropped.begin(), dropped.end());
  std::sort(out.dropped.begin(), out.dropped.end());
  return out;
}

std::vector<schedule::Instant> catchup_slots(const schedule::Schedule& schedule,
                                             std::optional<schedule::Instant> last_recorded,
                                             schedule::Instant now, MisfirePolicy policy,
                                             std::chrono::milliseconds grace, std::size_t limit) {
  return missed_slots(schedule, last_recorded, now, policy, grace, limit).run;
}

}  // namespace sqlcron::core
