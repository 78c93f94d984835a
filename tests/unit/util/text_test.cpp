#include "util/text.hpp"

#include <catch2/catch.hpp>

using sqlcron::util::equals_ignore_case;
using sqlcron::util::trim;

TEST_CASE("equals_ignore_case compares ASCII letters without case", "[util][text]") {
  CHECK(equals_ignore_case("EVERY", "every"));
  CHECK(equals_ignore_case("", ""));
  CHECK_FALSE(equals_ignore_case("every", "ever"));
  CHECK_FALSE(equals_ignore_case("a", "b"));
}

TEST_CASE("trim drops white space at both ends", "[util][text]") {
  CHECK(trim(" \t\r\n x y \v\f") == "x y");
  CHECK(trim("   ").empty());
  CHECK(trim("x") == "x");
}
