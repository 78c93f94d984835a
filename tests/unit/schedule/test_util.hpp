// Helpers shared by the schedule tests: zone lookup, RFC 3339 in/out, next-N listing.
#pragma once

#include <string>
#include <vector>

#include "schedule/schedule.hpp"
#include "schedule/time_format.hpp"

namespace sqlcron::schedule::test {

inline Instant at(const std::string& rfc3339) { return parse_rfc3339(rfc3339); }

// The next `count` fire times after `from`, formatted in the schedule's zone.
inline std::vector<std::string> next_n(const std::string& expr, const std::string& zone,
                                       const std::string& from, int count,
                                       const std::string& defined_at = "") {
  const date::time_zone* z = find_zone(zone);
  const Schedule s = Schedule::parse(expr, z, at(defined_at.empty() ? from : defined_at));
  std::vector<std::string> out;
  Instant t = at(from);
  for (int i = 0; i < count; ++i) {
    const auto n = s.next_after(t);
    if (!n) {
      out.emplace_back("none");
      break;
    }
    out.push_back(format_rfc3339(*n, z));
    t = *n;
  }
  return out;
}

inline std::vector<std::string> list(std::initializer_list<const char*> items) {
  return {items.begin(), items.end()};
}

}  // namespace sqlcron::schedule::test
