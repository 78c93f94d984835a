// TimerId: names a timer the scheduler arms (ArmTimer) and the executor reports (TimerFired).
#pragma once

#include <compare>
#include <cstdint>

namespace sqlcron::core {

struct TimerId {
  enum class Kind {
    wake,     // the next due slot (one)
    health,   // the next database check (one)
    grace,    // shutdown grace, then the wait after the kills (one)
    retry,    // a retry's backoff (id: the retry)
    timeout,  // a run's timeout (id: its run id)
    turn,     // a run waiting for another daemon's run of its job (id: the wait)
  };
  Kind kind = Kind::wake;
  std::uint64_t id = 0;
  auto operator<=>(const TimerId&) const = default;
};

}  // namespace sqlcron::core
