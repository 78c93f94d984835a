#include "config/yaml_tree.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

#include "config/yaml_syntax_error.hpp"
#include "config/yaml_writer.hpp"

using sqlcron::config::YamlSyntaxError;
using sqlcron::config::YamlTree;
using sqlcron::config::YamlWriter;

TEST_CASE("yaml tree: mappings, sequences, scalars and their positions", "[yaml]") {
  const auto tree = YamlTree::parse(
      "database:\n"
      "  host: db1\n"
      "jobs:\n"
      "  - {name: a, args: [1, '2', \"x\"]}\n"
      "  - name: b\n");
  const auto root = tree.root();
  REQUIRE(root.is_map());
  CHECK(root.size() == 2);
  CHECK(root["database"]["host"].text() == "db1");
  CHECK(root["database"]["host"].mark().line == 1);
  CHECK(root["database"]["host"].mark().column == 8);
  const auto jobs = root["jobs"];
  REQUIRE(jobs.is_sequence());
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[0]["name"].scalar() == "a");
  CHECK(jobs[0]["args"].size() == 3);
  CHECK_FALSE(jobs[0]["args"][0].quoted());
  CHECK(jobs[0]["args"][1].quoted());
  CHECK(jobs[0]["args"][2].quoted());
  CHECK(jobs[1].mark().line == 4);
  CHECK(jobs[1].mark().column == 4);
  const auto [key, value] = root.entry(1);
  CHECK(key.text() == "jobs");
  CHECK(value.is_sequence());
}

TEST_CASE("yaml tree: absent keys and indexes are undefined, with no position", "[yaml]") {
  const auto tree = YamlTree::parse("a: 1\nb: [x]\n");
  const auto root = tree.root();
  CHECK_FALSE(root["missing"].defined());
  CHECK_FALSE(root["b"][5].defined());
  CHECK_FALSE(root["a"]["deeper"].defined());
  CHECK_FALSE(root["missing"].mark().known());
  CHECK(root["missing"].size() == 0);
  CHECK(root["missing"].text().empty());
}

TEST_CASE("yaml tree: plain ~, null and nothing are null, quoted 'null' is a string", "[yaml]") {
  const auto tree = YamlTree::parse("a: ~\nb: null\nc:\nd: 'null'\ne: NULL\n");
  const auto root = tree.root();
  CHECK(root["a"].is_null());
  CHECK(root["b"].is_null());
  CHECK(root["c"].is_null());
  CHECK(root["e"].is_null());
  CHECK(root["d"].is_scalar());
  CHECK(root["d"].text() == "null");
  CHECK(YamlTree::parse("").root().is_null());
  CHECK(YamlTree::parse("# only a comment\n").root().is_null());
}

TEST_CASE("yaml tree: anchors and aliases share the anchored node", "[yaml]") {
  const auto tree = YamlTree::parse("base: &r {attempts: 3}\njob: {retry: *r}\n");
  CHECK(tree.root()["job"]["retry"]["attempts"].text() == "3");
}

TEST_CASE("yaml tree: !!str counts as quoted, a null key keeps its spelling", "[yaml]") {
  const auto tree = YamlTree::parse("a: !!str 12\nb: !!str null\nnull: 1\n\"it's\": \"x\\\"y\"\n");
  const auto root = tree.root();
  CHECK(root["a"].quoted());
  CHECK(root["b"].is_scalar());
  CHECK(root["b"].text() == "null");
  CHECK(root.entry(2).first.is_null());
  CHECK(root.entry(2).first.text() == "null");
  CHECK(root["it's"].text() == "x\"y");
  CHECK_THROWS_AS(YamlTree::parse("null: 1\nnull: 2\n"), YamlSyntaxError);
  // After a byte-order mark (yaml-cpp's offsets skip it) the same.
  const auto bom = YamlTree::parse("\xEF\xBB\xBFnull: 'x'\nb: \"y\"\n");
  CHECK(bom.root().entry(0).first.text() == "null");
  CHECK(bom.root()["b"].text() == "y");
}

TEST_CASE("yaml tree: block scalars keep their text and count as quoted", "[yaml]") {
  const auto tree = YamlTree::parse("sql: |-\n  SELECT 1;\n  SELECT 2;\n");
  CHECK(tree.root()["sql"].text() == "SELECT 1;\nSELECT 2;");
  CHECK(tree.root()["sql"].quoted());
}

TEST_CASE("yaml tree: invalid text is refused with where and what", "[yaml]") {
  struct Case {
    const char* text;
    int line;  // 0-based
    const char* message;
  };
  const auto c = GENERATE(
      // yaml-cpp's words for these.
      Case{"a: [1, 2\nb: 3\n", 1, "end of sequence flow not found"},
      Case{"a: 1\n  b: 2\n", 1, "illegal map value"},
      Case{"a: 1\nb: 2\na: 3\n", 2, "duplicate key 'a' (first at line 1)"},
      Case{"jobs:\n  - {name: x, name: y}\n", 1, "duplicate key 'name' (first at line 2)"},
      Case{"a: *nowhere\n", 0, "*nowhere"}, Case{"a: 1\n---\nb: 2\n", 1, "one YAML document"},
      // yaml-cpp would run the text to the end of the file: refused, at the opening quote.
      Case{"a: \"unterminated\n", 0, "found unexpected end of stream"},
      Case{"a: b\nc: 'it''s\n", 1, "is never closed"},
      Case{"a: x\x01y\n", 0, "control characters are not allowed (U+0001)"},
      Case{"a: x\x7Fy\n", 0, "control characters are not allowed (U+007F)"},
      Case{"a: 1\nb: \xC3\x28\n", 1, "\\xC3 is not UTF-8"});
  INFO(c.text);
  try {
    (void)YamlTree::parse(c.text);
    FAIL("parsed");
  } catch (const YamlSyntaxError& e) {
    CHECK_THAT(e.what(), Catch::Contains(c.message));
    CHECK(e.line() == c.line);
  }
}

TEST_CASE("yaml writer: what it writes reads back as the same values", "[yaml]") {
  using Style = YamlWriter::Style;
  const std::string tricky = "it's \"quoted\"\n\ttab, 'ü', {braces}: and # hash";
  YamlWriter w;
  w.begin_map();
  w.scalar("name");
  w.scalar("job.one");
  w.scalar("text");
  w.scalar(tricky, Style::double_quoted);
  w.scalar("args");
  w.begin_flow_sequence();
  w.scalar("180");
  w.scalar("180", Style::double_quoted);
  w.null();
  w.scalar("null");
  w.scalar("");
  w.end_sequence();
  w.end_map();
  const auto text = w.finish();
  CHECK_THAT(text, Catch::StartsWith("name: job.one\n"));
  CHECK_THAT(text, Catch::Contains("args: [180, \"180\", null, \"null\", \"\"]\n"));
  const auto tree = YamlTree::parse(text);
  const auto root = tree.root();
  CHECK(root["name"].text() == "job.one");
  CHECK(root["text"].text() == tricky);
  CHECK_FALSE(root["args"][0].quoted());
  CHECK(root["args"][1].quoted());
  CHECK(root["args"][2].is_null());
  CHECK(root["args"][3].text() == "null");
  CHECK(root["args"][4].is_scalar());
}

TEST_CASE("yaml writer: text with line breaks is double-quoted, each break escaped", "[yaml]") {
  // YAML reads \r, NEL (U+0085), LS (U+2028) and PS (U+2029) as line breaks, like \n. Written
  // raw (yaml-cpp writes LS and PS raw even in double quotes, CR plain), they would put the
  // rest of the text on a line of its own in whatever embeds the output (import-events'
  // indented job list): each must come out as an escape.
  for (const std::string brk : {"\n", "\r", "\xC2\x85", "\xE2\x80\xA8", "\xE2\x80\xA9"}) {
    const std::string value = "a" + brk + "- name: evil" + brk;
    YamlWriter w;
    w.begin_map();
    w.scalar("text");
    w.scalar(value);
    w.end_map();
    const auto text = w.finish();
    INFO(text);
    CHECK(text.find(brk, 0) == (brk == "\n" ? text.size() - 1 : std::string::npos));
    CHECK(std::count(text.begin(), text.end(), '\n') == 1);
    CHECK(YamlTree::parse(text).root()["text"].text() == value);
  }
}

TEST_CASE("yaml writer: controls, DEL, LS and PS come out escaped and read back", "[yaml]") {
  for (const std::string& value :
       {std::string("a\x01b"), std::string("a\x7F"), std::string("\xC3\xBC\xE2\x80\xA8x"),
        std::string("tab\there"), std::string("nul\0!", 5),
        std::string("\xEF\xBB\xBF"
                    "bom")}) {
    YamlWriter w;
    w.begin_map();
    w.scalar("text");
    w.scalar(value);
    w.end_map();
    const auto text = w.finish();
    INFO(text);
    for (const char c : text) {
      CHECK((static_cast<unsigned char>(c) >= 0x20U || c == '\n'));
      CHECK(c != '\x7F');
    }
    CHECK(text.find("\xE2\x80\xA8") == std::string::npos);
    CHECK(YamlTree::parse(text).root()["text"].text() == value);
  }
  YamlWriter w;
  CHECK_THROWS_AS(w.scalar("x\xFF"), std::runtime_error);
}

TEST_CASE("yaml writer: an event out of order is an error, not bad output", "[yaml]") {
  YamlWriter w;
  w.begin_flow_sequence();
  CHECK_THROWS_AS(w.end_map(), std::runtime_error);
}
