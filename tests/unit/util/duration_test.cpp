#include "util/duration.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using sqlcron::util::format_duration;
using sqlcron::util::parse_duration;

TEST_CASE("durations parse with units and combine", "[util]") {
  const auto [text, expected] = GENERATE(table<std::string, std::chrono::milliseconds>({
      {"90s", 90s},
      {"15m", 15min},
      {"2h", 2h},
      {"1d", 24h},
      {"500ms", 500ms},
      {"1h30m", 90min},
      {"0s", 0s},
  }));
  CHECK(parse_duration(text) == expected);
  CHECK(parse_duration(format_duration(expected)) == expected);
}

TEST_CASE("bad durations say what is expected", "[util]") {
  const auto [text, message] = GENERATE(table<std::string, std::string>({
      {"", "empty duration"},
      {"10", "a unit (ms, s, m, h, d) must follow 10"},
      {"10 minutes", "a unit (ms, s, m, h, d) must follow 10"},
      {"m", "expected a number with a unit"},
      {"5y", "unit must be ms, s, m, h or d"},
  }));
  CHECK_THROWS_WITH(parse_duration(text), Catch::Contains(message));
}
