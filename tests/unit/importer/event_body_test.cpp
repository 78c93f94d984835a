#include "importer/event_body.hpp"

#include <catch2/catch.hpp>

using sqlcron::importer::EventBody;
using sqlcron::importer::LiteralArg;
using Kind = EventBody::Kind;
using Arg = LiteralArg::Kind;

namespace {

std::vector<std::pair<Arg, std::string>> args_of(const EventBody& b) {
  std::vector<std::pair<Arg, std::string>> out;
  for (const auto& a : b.args()) out.emplace_back(a.kind, a.text);
  return out;
}

}  // namespace

TEST_CASE("EventBody: a single CALL with literal arguments becomes a call", "[importer]") {
  struct Case {
    const char* body;
    const char* schema;
    const char* procedure;
    std::vector<std::pair<Arg, std::string>> args;
  };
  const std::vector<Case> cases{
      {"CALL customer_summary(NULL, 180)",
       "",
       "customer_summary",
       {{Arg::null, ""}, {Arg::integer, "180"}}},
      {"call product_summary_etl()", "", "product_summary_etl", {}},
      {"CALL product_summary_etl", "", "product_summary_etl", {}},
      {"CALL Chinook.sale_summary('incremental');",
       "Chinook",
       "sale_summary",
       {{Arg::text, "incremental"}}},
      {"CALL `my schema` . `odd``proc`(-5, +2.50, 1e3, .5)",
       "my schema",
       "odd`proc",
       {{Arg::integer, "-5"}, {Arg::number, "2.50"}, {Arg::number, "1e3"}, {Arg::number, ".5"}}},
      {"BEGIN CALL x(); END", "", "x", {}},
      {"begin\n  call s.x('a', \"b\", TRUE, false);\nend;",
       "s",
       "x",
       {{Arg::text, "a"}, {Arg::text, "b"}, {Arg::integer, "1"}, {Arg::integer, "0"}}},
      {"BEGIN NOT ATOMIC CALL x(1); END", "", "x", {{Arg::integer, "1"}}},
      {R"(CALL p('it''s', 'a\'b', 'tab\there', '50\%', '{job}') -- trailing comment)",
       "",
       "p",
       {{Arg::text, "it's"},
        {Arg::text, "a'b"},
        {Arg::text, "tab\there"},
        {Arg::text, "50\\%"},
        {Arg::text, "{job}"}}},
      {"/* leading */ CALL p(-9223372036854775808)",
       "",
       "p",
       {{Arg::integer, "-9223372036854775808"}}},
  };
  for (const auto& c : cases) {
    INFO(c.body);
    const auto b = EventBody::parse(c.body);
    REQUIRE(b.kind() == Kind::call);
    CHECK(b.schema() == c.schema);
    CHECK(b.procedure() == c.procedure);
    CHECK(args_of(b) == c.args);
  }
}

TEST_CASE("EventBody: sql_mode changes how quotes and backslashes read", "[importer]") {
  const auto raw = EventBody::parse("CALL p('a\\nb')", "STRICT_TRANS_TABLES,NO_BACKSLASH_ESCAPES");
  REQUIRE(raw.kind() == Kind::call);
  CHECK(args_of(raw) == std::vector<std::pair<Arg, std::string>>{{Arg::text, "a\\nb"}});
  const auto escaped = EventBody::parse("CALL p('a\\nb')", "STRICT_TRANS_TABLES");
  CHECK(args_of(escaped) == std::vector<std::pair<Arg, std::string>>{{Arg::text, "a\nb"}});
  // Under ANSI_QUOTES "x" is an identifier, not a literal: no call with a guessed argument.
  CHECK(EventBody::parse("CALL p(\"x\")", "ANSI_QUOTES").kind() == Kind::statement);
}

TEST_CASE("EventBody: other single statements are run verbatim", "[importer]") {
  struct Case {
    const char* body;
    const char* statement;
  };
  const std::vector<Case> cases{
      {"DELETE FROM log WHERE at < NOW() - INTERVAL 30 DAY",
       "DELETE FROM log WHERE at < NOW() - INTERVAL 30 DAY"},
      {"  CALL p(NOW());  ", "CALL p(NOW())"},         // not a literal
      {"CALL p(@v)", "CALL p(@v)"},                    // a variable
      {"CALL p(_utf8mb4'x')", "CALL p(_utf8mb4'x')"},  // a charset introducer
      {"CALL p(X'41')", "CALL p(X'41')"},
      {"CALL p(1 + 1)", "CALL p(1 + 1)"},
      {"CALL p(99999999999999999999)", "CALL p(99999999999999999999)"},  // beyond 64 bits
      {"BEGIN UPDATE t SET a = ';' WHERE b = 'END'; END", "UPDATE t SET a = ';' WHERE b = 'END'"},
      {"/*!50000 CALL p() */", "/*!50000 CALL p() */"},  // executable comment: not modelled
  };
  for (const auto& c : cases) {
    INFO(c.body);
    const auto b = EventBody::parse(c.body);
    CHECK(b.kind() == Kind::statement);
    CHECK(b.statement() == c.statement);
  }
}

TEST_CASE("EventBody: several statements and flow control need a stored procedure", "[importer]") {
  for (const char* body : {
           "BEGIN INSERT INTO t VALUES (1); DELETE FROM t; END",
           "BEGIN CALL a(); CALL b(); END",
           "BEGIN IF @x THEN CALL a(); END IF; END",
           "IF @x THEN CALL a(); END IF",
           "lbl: BEGIN CALL a(); END lbl",
           "WHILE @i < 3 DO SET @i = @i + 1; END WHILE",
           "BEGIN END",
           "",
       }) {
    INFO(body);
    CHECK(EventBody::parse(body).kind() == Kind::compound);
  }
  CHECK(EventBody::parse("BEGIN CALL a(); CALL b(); END;").statement() ==
        "BEGIN CALL a(); CALL b(); END");
}
