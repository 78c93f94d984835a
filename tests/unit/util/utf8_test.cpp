#include "util/utf8.hpp"

#include <catch2/catch.hpp>

using sqlcron::util::escape_for_message;

TEST_CASE("escape_for_message: invalid UTF-8 and control bytes become \\xHH, text stays",
          "[util]") {
  CHECK(escape_for_message("plain, tab\tand ü €") == "plain, tab\tand ü €");
  CHECK(escape_for_message("a\xff"
                           "b") == "a\\xFFb");
  CHECK(escape_for_message("\xc3(") == "\\xC3(");                  // a lead byte without its tail
  CHECK(escape_for_message("\xed\xa0\x80") == "\\xED\\xA0\\x80");  // a surrogate
  CHECK(escape_for_message("bell\a esc\x1b[2J del\x7f nl\n") ==
        "bell\\x07 esc\\x1B[2J del\\x7F nl\\x0A");
}
