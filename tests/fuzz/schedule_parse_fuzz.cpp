// Fuzz target for the schedule parser: any input must either parse or throw ScheduleError
// (never crash, hang or throw anything else), and a parsed schedule must answer next_after()
// with an instant after the one asked about.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "schedule/schedule.hpp"
#include "schedule/schedule_error.hpp"

// NOLINTNEXTLINE(readability-identifier-naming): the entry point libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using sqlcron::schedule::Instant;
  using sqlcron::schedule::Schedule;
  static const date::time_zone* const kZone = date::locate_zone("America/New_York");
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Instant defined_at = date::sys_days{date::year{2026} / 11 / 1} + std::chrono::hours{5};
  try {
    const Schedule schedule = Schedule::parse(text, kZone, defined_at);
    Instant t = defined_at;
    for (int i = 0; i < 3; ++i) {
      const auto next = schedule.next_after(t);
      if (!next) {
        break;
      }
      if (*next <= t) {
        std::abort();
      }
      t = *next;
    }
    (void)schedule.describe();
  } catch (const sqlcron::schedule::ScheduleError&) {
    // Rejected input: the expected outcome for most fuzz inputs.
  }
  return 0;
}
