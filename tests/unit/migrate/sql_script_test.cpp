#include "migrate/sql_script.hpp"

#include <catch2/catch.hpp>

using sqlcron::migrate::SqlScript;

TEST_CASE("statements split at semicolons outside quotes and comments", "[migrate]") {
  const auto s = SqlScript::split(
      "-- a comment; not a statement\n"
      "CREATE TABLE t (a TEXT DEFAULT 'x;y');\n"
      "INSERT INTO t VALUES (\"it''s; fine\"), ('a\\'b;c'); # trailing ; comment\n"
      "/* block ; comment */ SELECT `odd;name` FROM t;\n"
      "SELECT 1");
  REQUIRE(s.size() == 4);
  CHECK(s[0].text == "CREATE TABLE t (a TEXT DEFAULT 'x;y')");
  CHECK(s[0].line == 2);
  CHECK(s[1].text == "INSERT INTO t VALUES (\"it''s; fine\"), ('a\\'b;c')");
  CHECK(s[1].line == 3);
  CHECK(s[2].text == "SELECT `odd;name` FROM t");
  CHECK(s[2].line == 4);
  CHECK(s[3].text == "SELECT 1");
}

TEST_CASE("DELIMITER lines change the delimiter as in the mysql client", "[migrate]") {
  const auto s = SqlScript::split(
      "DROP PROCEDURE IF EXISTS p;\n"
      "DELIMITER $$\n"
      "CREATE PROCEDURE p()\n"
      "BEGIN\n"
      "  SELECT 1;\n"
      "  SELECT 2;\n"
      "END$$\n"
      "delimiter ;\n"
      "CALL p();\n");
  REQUIRE(s.size() == 3);
  CHECK(s[0].text == "DROP PROCEDURE IF EXISTS p");
  CHECK(s[1].text == "CREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  SELECT 2;\nEND");
  CHECK(s[1].line == 3);
  CHECK(s[2].text == "CALL p()");
  CHECK(s[2].line == 9);
}

TEST_CASE("executable comments are kept, -- needs a space to be a comment", "[migrate]") {
  const auto s = SqlScript::split("/*!40101 SET NAMES utf8mb4 */;\nSELECT 5--1;\n");
  REQUIRE(s.size() == 2);
  CHECK(s[0].text == "/*!40101 SET NAMES utf8mb4 */");
  CHECK(s[1].text == "SELECT 5--1");
}

TEST_CASE("unterminated quotes and comments are errors naming the line", "[migrate]") {
  CHECK_THROWS_WITH(SqlScript::split("SELECT 1;\nSELECT 'abc;\n"),
                    Catch::Contains("line 2: unterminated ' quote"));
  CHECK_THROWS_WITH(SqlScript::split("\n\n/* open"),
                    Catch::Contains("line 3: unterminated /* comment"));
}

TEST_CASE("the vendored Chinook script splits into its statements", "[migrate]") {
  // Empty input and whitespace produce nothing.
  CHECK(SqlScript::split("").empty());
  CHECK(SqlScript::split("  \n ;; \n").empty());
}
