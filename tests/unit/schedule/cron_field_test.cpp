#include "schedule/cron_field.hpp"

#include <array>
#include <catch2/catch.hpp>

#include "schedule/schedule_error.hpp"

using sqlcron::schedule::CronField;
using sqlcron::schedule::FieldSpec;
using sqlcron::schedule::ScheduleError;

namespace {

constexpr std::array<std::string_view, 12> kMonths{"jan", "feb", "mar", "apr", "may", "jun",
                                                   "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr FieldSpec kMinute{"minute", 0, 59, {}, 0};
constexpr FieldSpec kMonth{"month", 1, 12, kMonths, 1};

std::uint64_t bits(std::initializer_list<int> values) {
  std::uint64_t b = 0;
  for (const int v : values) {
    b |= std::uint64_t{1} << v;
  }
  return b;
}

}  // namespace

TEST_CASE("cron field syntax elements", "[schedule]") {
  struct Case {
    const char* text;
    std::uint64_t expected;
    bool star;
  };
  const auto every = [](int from, int to, int step) {
    std::uint64_t b = 0;
    for (int v = from; v <= to; v += step) {
      b |= std::uint64_t{1} << v;
    }
    return b;
  };
  const Case cases[] = {
      {"*", every(0, 59, 1), true},
      {"7", bits({7}), false},
      {"0", bits({0}), false},
      {"10-12", bits({10, 11, 12}), false},
      {"*/15", bits({0, 15, 30, 45}), true},
      {"10-30/10", bits({10, 20, 30}), false},
      {"50/5", bits({50, 55}), false},
      {"1,2,40-42,*/30", bits({0, 1, 2, 30, 40, 41, 42}), false},
      {"*/60", bits({0}), true},
      {"59", bits({59}), false},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    const CronField f = CronField::parse(c.text, kMinute);
    CHECK(f.bits() == c.expected);
    CHECK(f.starts_with_star() == c.star);
  }
}

TEST_CASE("cron field month names in any case", "[schedule]") {
  CHECK(CronField::parse("jan", kMonth).bits() == bits({1}));
  CHECK(CronField::parse("DEC", kMonth).bits() == bits({12}));
  CHECK(CronField::parse("Mar-May", kMonth).bits() == bits({3, 4, 5}));
  CHECK(CronField::parse("jan,JUL,6", kMonth).bits() == bits({1, 6, 7}));
  CHECK(CronField::parse("feb-dec/5", kMonth).bits() == bits({2, 7, 12}));
}

TEST_CASE("cron field next()", "[schedule]") {
  const CronField f = CronField::parse("5,20,40", kMinute);
  CHECK(f.next(0) == 5);
  CHECK(f.next(5) == 5);
  CHECK(f.next(6) == 20);
  CHECK(f.next(41) == -1);
  CHECK(f.next(60) == -1);
  CHECK(f.first() == 5);
}

TEST_CASE("cron field errors name the field and the token", "[schedule]") {
  struct Case {
    const char* text;
    const FieldSpec* spec;
    const char* message;
  };
  const Case cases[] = {
      {"abc", &kMinute, "minute: 'abc' is not a number or name"},
      {"60", &kMinute, "minute: 60 is out of range 0-59"},
      {"5-70", &kMinute, "minute: 70 is out of range 0-59"},
      {"30-10", &kMinute, "minute: range '30-10' runs backwards"},
      {"*/0", &kMinute, "minute: step 0 in '*/0' is out of range 1-60"},
      {"*/61", &kMinute, "minute: step 61 in '*/61' is out of range 1-60"},
      {"*/x", &kMinute, "minute: step 'x' in '*/x' is not a number"},
      {"1,,2", &kMinute, "minute: empty list item"},
      {"", &kMinute, "minute: empty list item"},
      {"0", &kMonth, "month: 0 is out of range 1-12"},
      {"13", &kMonth, "month: 13 is out of range 1-12"},
      {"janu", &kMonth, "month: 'janu' is not a number or name"},
      {"99999", &kMinute, "minute: 99999 is out of range 0-59"},
      {"-5", &kMinute, "minute: range '-5' is incomplete"},
      {"5-", &kMinute, "minute: range '5-' is incomplete"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    CHECK_THROWS_MATCHES(CronField::parse(c.text, *c.spec), ScheduleError,
                         Catch::Matchers::Message(c.message));
  }
}
