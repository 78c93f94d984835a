#include "core/chain_readiness.hpp"

#include <catch2/catch.hpp>

using sqlcron::core::missing_upstream;

TEST_CASE("a chain step is ready once every upstream job succeeded for its slot", "[core][chain]") {
  CHECK(missing_upstream({"extract"}, {"extract"}).empty());
  CHECK(missing_upstream({"a", "b"}, {"b", "a", "c"}).empty());
  CHECK(missing_upstream({"a", "b", "c"}, {"b"}) == std::vector<std::string>{"a", "c"});
  CHECK(missing_upstream({"a"}, {}) == std::vector<std::string>{"a"});
}
