#include "util/datetime_text.hpp"

#include <catch2/catch.hpp>

#include "schedule/local_datetime.hpp"
#include "schedule/schedule_error.hpp"
#include "schedule/time_format.hpp"
#include "util/sql_time.hpp"

using sqlcron::util::read_datetime;

TEST_CASE("read_datetime reads each part whole or not at all", "[util][datetime]") {
  const auto full = read_datetime("2026-11-22 10:15:30.1234567Z");
  REQUIRE(full);
  CHECK(full->year == 2026);
  CHECK(full->month == 11u);
  CHECK(full->day == 22u);
  CHECK(full->time_of_day() == std::chrono::seconds{10 * 3600 + 15 * 60 + 30});
  CHECK(full->has_fraction);
  CHECK(full->fraction == std::chrono::microseconds{123456});
  CHECK(full->rest == "Z");

  const auto date_only = read_datetime("2026-11-22T");
  REQUIRE(date_only);
  CHECK_FALSE(date_only->has_time);
  CHECK(date_only->rest == "T");

  const auto minutes = read_datetime("2026-11-22t10:15:3");
  REQUIRE(minutes);
  CHECK(minutes->has_time);
  CHECK_FALSE(minutes->has_seconds);
  CHECK(minutes->second == 0);
  CHECK(minutes->rest == ":3");

  const auto empty_fraction = read_datetime("2026-11-22 10:15:30.");
  REQUIRE(empty_fraction);
  CHECK_FALSE(empty_fraction->has_fraction);
  CHECK(empty_fraction->rest == ".");

  CHECK_FALSE(read_datetime("26-11-22"));
  CHECK_FALSE(read_datetime(""));
}

TEST_CASE("the three date-time formats read through read_datetime", "[util][datetime]") {
  using namespace std::chrono;
  const auto noon = date::sys_days{date::year{2026} / 3 / 8} + hours{12};
  CHECK(sqlcron::util::from_sql_datetime("2026-03-08 12:00:00.5") == noon + milliseconds{500});
  CHECK_THROWS_AS(sqlcron::util::from_sql_datetime("2026-03-08 12:00:00 x"), std::invalid_argument);
  CHECK(sqlcron::schedule::parse_rfc3339("2026-03-08T08:00:00.25-04:00") == noon);
  CHECK_THROWS_WITH(sqlcron::schedule::parse_rfc3339("2026-03-08T08:00:00.Z"),
                    Catch::Contains("empty fraction"));
  CHECK_THROWS_WITH(sqlcron::schedule::parse_rfc3339("2026-03-08T08:00:00+4:00"),
                    Catch::Contains("invalid UTC offset"));
  CHECK(sqlcron::schedule::format_utc(noon) == "2026-03-08T12:00:00Z");
  const auto local = sqlcron::schedule::parse_local_datetime("2026-03-08 12:00", "starts");
  CHECK(local.time_since_epoch() == noon.time_since_epoch());
  CHECK_THROWS_WITH(sqlcron::schedule::parse_local_datetime("2026-03-08 12:00:00.5", "starts"),
                    Catch::Contains("trailing characters"));
  CHECK_THROWS_WITH(sqlcron::schedule::parse_local_datetime("0999-03-08", "starts"),
                    Catch::Contains("not a valid date"));
}
