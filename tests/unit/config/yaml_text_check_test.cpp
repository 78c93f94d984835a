#include "config/yaml_text_check.hpp"

#include <catch2/catch.hpp>

#include "config/yaml_syntax_error.hpp"

using sqlcron::config::check_yaml_text;
using sqlcron::config::closing_quote;
using sqlcron::config::indenting_tab;
using sqlcron::config::YamlSyntaxError;

TEST_CASE("yaml text: UTF-8 with tabs, line breaks and NEL passes", "[yaml]") {
  CHECK_NOTHROW(check_yaml_text("a: \"\xC3\xBC \xE2\x82\xAC \xF0\x9F\x98\x80\"\r\n\tb\xC2\x85"));
  CHECK_NOTHROW(
      check_yaml_text("\xEF\xBB\xBF"
                      "a: 1\n"));
}

TEST_CASE("yaml text: the first bad byte is named and located", "[yaml]") {
  struct Case {
    std::string text;
    int line;
    int column;
    const char* message;
  };
  const auto c = GENERATE(Case{"a: 1\nbb: \xFF\n", 1, 4, "\\xFF is not UTF-8"},
                          Case{"a: \xE2\x82\n", 0, 3, "\\xE2\\x82 is not UTF-8"},
                          Case{"a: \xC0\xAF\n", 0, 3, "not UTF-8"},      // overlong
                          Case{"a: \xED\xA0\x80\n", 0, 3, "not UTF-8"},  // surrogate
                          Case{"a:\n  b: \x1B[2J\n", 1, 5, "(U+001B)"},
                          Case{"a: \xC2\x9B\n", 0, 3, "(U+009B)"},
                          Case{"a: \xEF\xBF\xBF\n", 0, 3, "(U+FFFF)"});
  INFO(c.text);
  try {
    check_yaml_text(c.text);
    FAIL("passed");
  } catch (const YamlSyntaxError& e) {
    CHECK_THAT(e.what(), Catch::Contains(c.message));
    CHECK(e.line() == c.line);
    CHECK(e.column() == c.column);
  }
}

TEST_CASE("yaml text: tabs in indentation and closing quotes are found", "[yaml]") {
  CHECK(indenting_tab("a:\n  \tb: 1\n", 1)->column == 2);
  CHECK_FALSE(indenting_tab("a:\n  b:\t1\n", 1));
  CHECK_FALSE(indenting_tab("a: 1\n", 5));
  CHECK(closing_quote("\"a\\\"b\" x", 0) == 5);
  CHECK(closing_quote("'it''s' x", 0) == 6);
  CHECK_FALSE(closing_quote("\"abc\\\"", 0));
  CHECK_FALSE(closing_quote("'it''", 0));
}
