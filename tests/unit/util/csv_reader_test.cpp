#include "util/csv_reader.hpp"

#include <catch2/catch.hpp>

#include "util/utf8.hpp"

using sqlcron::util::CsvReader;
using sqlcron::util::CsvRecord;

namespace {

std::vector<CsvRecord> read_all(std::string_view text, char delimiter = ',') {
  CsvReader reader(text, delimiter);
  std::vector<CsvRecord> out;
  CsvRecord r;
  while (reader.next(r)) out.push_back(r);
  return out;
}

}  // namespace

TEST_CASE("CSV: fields, quotes, NULLs, line breaks and line numbers", "[csv]") {
  const auto recs = read_all(
      "\xEF\xBB\xBF"
      "a,b,c\r\n"
      "1,,\"\"\n"
      "\n"
      "\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n"
      "last,row,here");
  REQUIRE(recs.size() == 4);
  CHECK(recs[0].line == 1);
  CHECK(recs[0].fields == std::vector<std::optional<std::string>>{"a", "b", "c"});
  CHECK(recs[1].line == 2);
  CHECK(recs[1].fields == std::vector<std::optional<std::string>>{"1", std::nullopt, ""});
  CHECK(recs[2].line == 4);
  CHECK(recs[2].fields ==
        std::vector<std::optional<std::string>>{"x, y", "say \"hi\"", "two\nlines"});
  CHECK(recs[3].line == 6);  // the quoted line break counted
  CHECK(recs[3].fields == std::vector<std::optional<std::string>>{"last", "row", "here"});
  for (const auto& r : recs) CHECK(r.error.empty());
}

TEST_CASE("CSV: malformed records are reported and reading goes on at the next line", "[csv]") {
  const auto recs = read_all(
      "ok,1\n"
      "ab\"c,2\n"
      "\"q\"x,3\n"
      "bad\xFF,4\n"
      "ok,5\n"
      "\"never closed,6\n"
      "ok,7\n");
  REQUIRE(recs.size() == 6);
  CHECK(recs[0].error.empty());
  CHECK(recs[1].error == "a quote inside an unquoted field");
  CHECK(recs[1].raw == "ab\"c,2");
  CHECK(recs[1].line == 2);
  CHECK(recs[2].error == "text after a closing quote");
  CHECK(recs[3].error == "not valid UTF-8");
  CHECK(recs[3].fields.empty());
  CHECK(recs[4].error.empty());
  CHECK(recs[4].fields[1] == "5");
  // An unclosed quote swallows the rest of the file: one malformed record.
  CHECK(recs[5].error == "a quoted field is not closed");
  CHECK(recs[5].line == 6);
}

TEST_CASE("CSV: another delimiter", "[csv]") {
  const auto recs = read_all("a;b,c;\"d;e\"\n", ';');
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].fields == std::vector<std::optional<std::string>>{"a", "b,c", "d;e"});
}

TEST_CASE("UTF-8 validation rejects overlong forms, surrogates and truncation", "[csv]") {
  using sqlcron::util::sanitize_utf8;
  using sqlcron::util::valid_utf8;
  CHECK(valid_utf8("plain ascii"));
  CHECK(
      valid_utf8("Gr\xC3\xBC\xC3\x9F"
                 "e \xE2\x82\xAC \xF0\x9F\x98\x80"));
  CHECK_FALSE(valid_utf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(valid_utf8("\xED\xA0\x80"));      // surrogate
  CHECK_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(valid_utf8("\xE2\x82"));          // truncated
  CHECK(sanitize_utf8("a\xFF"
                      "b\xE2\x82") == "a?b??");
}
