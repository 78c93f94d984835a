#include "util/utf8.hpp"

#include <catch2/catch.hpp>

using sqlcron::util::escape_for_message;

TEST_CASE("escape_for_message: invalid UTF-8 and control bytes become hex escapes, text stays",
          "[util]") {
  CHECK(escape_for_message("plain, tab\tand ü €") == "plain, tab\tand ü €");
  CHECK(escape_for_message("a\xff"
                           "b") == "a\\xFFb");
  CHECK(escape_for_message("\xc3(") == "\\xC3(");                  // a lead byte without its tail
  CHECK(escape_for_message("\xed\xa0\x80") == "\\xED\\xA0\\x80");  // a surrogate
  CHECK(escape_for_message("bell\a esc\x1b[2J del\x7f nl\n") ==
        "bell\\x07 esc\\x1B[2J del\\x7F nl\\x0A");
}

TEST_CASE("escape_for_message: every line break YAML knows is escaped (NEL, LS, PS, CR, LF)",
          "[util]") {
  CHECK(escape_for_message("a\nb\rc") == "a\\x0Ab\\x0Dc");
  CHECK(escape_for_message("a\xc2\x85"
                           "b") == "a\\u0085b");  // NEL
  CHECK(escape_for_message("a\xe2\x80\xa8"
                           "b\xe2\x80\xa9") == "a\\u2028b\\u2029");  // LS, PS
  CHECK(escape_for_message("\xc2\xa0\xe2\x80\xa6") ==
        "\xc2\xa0\xe2\x80\xa6");  // NBSP, ellipsis stay
}

TEST_CASE("text_for_column: valid UTF-8, cut at a character boundary", "[util]") {
  using sqlcron::util::text_for_column;
  CHECK(text_for_column("ab\xff"
                        "c",
                        10) == "ab?c");
  CHECK(text_for_column("a\xc3\xbc\xc3\xbc", 4) == "a\xc3\xbc");  // not half of the second ü
  CHECK(text_for_column("a\xe2\x82\xac", 3) == "a");
  CHECK(text_for_column("abc", 3) == "abc");
}
