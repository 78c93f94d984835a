#include "core/chain_readiness.hpp"

#include <catch2/catch.hpp>

using sqlcron::core::missing_upstream;
using sqlcron::core::upstream_failed;
using sqlcron::core::upstream_missing;
using sqlcron::core::upstream_skipped;

TEST_CASE("a chain step is ready once every upstream job succeeded for its slot", "[core][chain]") {
  CHECK(missing_upstream({"extract"}, {"extract"}).empty());
  CHECK(missing_upstream({"a", "b"}, {"b", "a", "c"}).empty());
  CHECK(missing_upstream({"a", "b", "c"}, {"b"}) == std::vector<std::string>{"a", "c"});
  CHECK(missing_upstream({"a"}, {}) == std::vector<std::string>{"a"});
}

TEST_CASE("the reasons of skipped chain steps, the same in the daemon and backfill", "[core]") {
  CHECK(upstream_failed("transform", "failed", 812) == "upstream transform failed (run 812)");
  CHECK(upstream_failed("load", "timed_out", 9) == "upstream load timed_out (run 9)");
  CHECK(upstream_skipped("extract", "overlap: the previous run of extract is still running") ==
        "upstream extract was skipped (overlap: the previous run of extract is still running)");
  CHECK(upstream_missing({"a", "b"}) == "upstream a, b did not succeed for this slot");
}
