#include "util/result_format.hpp"

#include <catch2/catch.hpp>

using sqlcron::util::Cells;

namespace {

const std::vector<std::string> kColumns{"run_id", "job", "error_message"};
const std::vector<Cells> kRows{{"1", "nightly", std::nullopt},
                               {"12", "say \"hi\", twice", "line one\nline two"}};

}  // namespace

TEST_CASE("table: aligned columns, NULL as -, one line per row", "[util]") {
  CHECK(sqlcron::util::format_table(kColumns, kRows) ==
        "run_id  job              error_message\n"
        "1       nightly          -\n"
        "12      say \"hi\", twice  line one line two\n");
  CHECK(sqlcron::util::format_table({"a"}, {{std::string(80, 'x')}}, 10) == "a\nxxxxxxx...\n");
}

TEST_CASE("json: an array of objects, numeric columns as numbers, strings escaped", "[util]") {
  CHECK(sqlcron::util::format_json(kColumns, kRows, {"run_id"}) ==
        "[\n"
        "  {\"run_id\": 1, \"job\": \"nightly\", \"error_message\": null},\n"
        "  {\"run_id\": 12, \"job\": \"say \\\"hi\\\", twice\", \"error_message\": \"line "
        "one\\nline two\"}\n"
        "]\n");
  CHECK(sqlcron::util::format_json({"x"}, {}, {}) == "[]\n");
  CHECK(sqlcron::util::format_json({"x"}, {{"0.250"}, {"007"}, {"-3"}, {"1e5"}}, {"x"}) ==
        "[\n  {\"x\": 0.250},\n  {\"x\": \"007\"},\n  {\"x\": -3},\n  {\"x\": \"1e5\"}\n]\n");
  // A column not declared numeric stays a string even when it looks like a number (SQLSTATE).
  CHECK(sqlcron::util::format_json({"sql_state"}, {{"45000"}}, {}) ==
        "[\n  {\"sql_state\": \"45000\"}\n]\n");
}

TEST_CASE("csv: RFC 4180 quoting, NULL as empty", "[util]") {
  CHECK(sqlcron::util::format_csv(kColumns, kRows) ==
        "run_id,job,error_message\r\n"
        "1,nightly,\r\n"
        "12,\"say \"\"hi\"\", twice\",\"line one\nline two\"\r\n");
}

TEST_CASE("format_table: a cell never carries a line break or half a character", "[util]") {
  CHECK(sqlcron::util::format_table({"a"}, {{std::string("x\xe2\x80\xa8y\x1b")}}) ==
        "a\nx\\u2028y\\x1B\n");
  // Cut at 7 bytes of text: the euro sign (3 bytes) at bytes 6-8 is not split.
  CHECK(sqlcron::util::format_table({"a"}, {{std::string("abcde\xe2\x82\xac") + "fgh"}}, 10) ==
        "a\nabcde...\n");
}
