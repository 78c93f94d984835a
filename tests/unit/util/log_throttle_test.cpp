#include "util/log_throttle.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using sqlcron::util::LogThrottle;

TEST_CASE("log throttle: one event per period gets through, with the count held back", "[util]") {
  LogThrottle throttle(10s);
  const LogThrottle::Clock::time_point t0{};
  CHECK(throttle.allow(t0 + 1s) == 0u);  // the first one at once
  for (int i = 0; i < 1700; ++i) CHECK_FALSE(throttle.allow(t0 + 2s + i * 1ms).has_value());
  CHECK_FALSE(throttle.allow(t0 + 10s).has_value());
  CHECK(throttle.allow(t0 + 11s) == 1701u);  // a period after the last one logged
  CHECK(throttle.allow(t0 + 30s) == 0u);     // a quiet period: nothing held back
}
