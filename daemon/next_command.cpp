#include <iostream>

#include "commands.hpp"
#include "schedule/schedule.hpp"
#include "schedule/schedule_error.hpp"
#include "schedule/time_format.hpp"
#include "util/utf8.hpp"

namespace sqlcron::daemon {

int next_command(const NextOptions& o) {
  try {
    const auto* zone = schedule::find_zone(o.timezone);
    auto from = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    if (!o.from.empty()) from = schedule::parse_rfc3339(o.from);
    const auto s = schedule::Schedule::parse(o.schedule, zone, from);
    auto t = from;
    for (int i = 0; i < o.count; ++i) {
      const auto next = s.next_after(t);
      if (!next) break;
      std::cout << schedule::format_rfc3339(*next, zone) << '\n';
      t = *next;
    }
    return to_int(ExitCode::ok);
  } catch (const schedule::ScheduleError& e) {
    // The expression is quoted back (escaped: it may hold any byte).
    std::cerr << "sqlcrond next: invalid schedule '" << util::escape_for_message(o.schedule)
              << "': " << util::escape_for_message(e.what()) << '\n';
  } catch (const std::invalid_argument& e) {
    std::cerr << "sqlcrond next: " << util::escape_for_message(e.what()) << '\n';
  }
  return to_int(ExitCode::usage);
}

}  // namespace sqlcron::daemon
