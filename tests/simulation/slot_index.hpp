// SlotIndex: the run rows of one job by slot, in slot order, for SimDatabase. A sorted vector
// rather than a tree: slots are added almost always after the newest one (a slot claimed by
// three daemons, a skip row, a retry), and that slot is the one looked up - both O(1) then, with
// no pointer chasing through a year of slots; others are found by binary search.
//
// Error contract: none (no exceptions beyond std::bad_alloc).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "schedule/schedule.hpp"
#include "sim_world.hpp"

namespace sqlcron::sim {

struct SlotRows {
  std::vector<std::int64_t> ids;   // the rows of the slot (any attempt), by run id
  std::optional<Nanos> succeeded;  // when its first execution that succeeded ended
};

class SlotIndex {
 public:
  using Entry = std::pair<schedule::Instant, SlotRows>;
  using const_iterator = std::vector<Entry>::const_iterator;

  [[nodiscard]] const SlotRows* find(schedule::Instant slot) const {
    if (slots_.empty() || slot > slots_.back().first) return nullptr;
    if (slot == slots_.back().first) return &slots_.back().second;
    const auto it = lower_bound(slot);
    return it != slots_.end() && it->first == slot ? &it->second : nullptr;
  }
  [[nodiscard]] bool contains(schedule::Instant slot) const { return find(slot) != nullptr; }
  // The slot's entry, added (empty) if it has none.
  SlotRows& operator[](schedule::Instant slot) {
    if (slots_.empty() || slot > slots_.back().first) {
      return slots_.emplace_back(slot, SlotRows{}).second;
    }
    auto it = std::lower_bound(slots_.begin(), slots_.end(), slot,
                               [](const Entry& e, schedule::Instant t) { return e.first < t; });
    if (it == slots_.end() || it->first != slot) it = slots_.emplace(it, slot, SlotRows{});
    return it->second;
  }
  // The first slot at or after `slot` (lower_bound), and the first after it (upper_bound).
  [[nodiscard]] const_iterator lower_bound(schedule::Instant slot) const {
    return std::lower_bound(slots_.begin(), slots_.end(), slot,
                            [](const Entry& e, schedule::Instant t) { return e.first < t; });
  }
  [[nodiscard]] const_iterator upper_bound(schedule::Instant slot) const {
    return std::upper_bound(slots_.begin(), slots_.end(), slot,
                            [](schedule::Instant t, const Entry& e) { return t < e.first; });
  }
  [[nodiscard]] const_iterator begin() const { return slots_.begin(); }
  [[nodiscard]] const_iterator end() const { return slots_.end(); }

 private:
  std::vector<Entry> slots_;
};

}  // namespace sqlcron::sim
