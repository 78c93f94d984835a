// Property test: for random valid cron expressions (seeded) in DST-heavy zones and random
// instants t, next = next_after(t) is > t, fires by an independent naive reference model, and
// no instant between t and next fires (brute force, second by second, over bounded windows
// after t and before next; minute by minute over longer ones for 5-field expressions).
#include <array>
#include <catch2/catch.hpp>
#include <cctype>
#include <random>
#include <string>
#include <vector>

#include "schedule/schedule.hpp"
#include "schedule/schedule_error.hpp"
#include "schedule/time_format.hpp"

namespace {

using sqlcron::schedule::Instant;
using std::chrono::seconds;

// The reference model: plain sets filled by the generator, evaluated with date's calendar and
// deliberately simple loops. It shares no code with the engine.
using Bits = std::array<bool, 64>;

// Concatenation without operator+ chains (gcc 12 -Wrestrict false positives).
std::string cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (const std::string_view p : parts) {
    out.append(p);
  }
  return out;
}

struct Reference {
  Bits second{};
  Bits minute{};
  Bits hour{};
  Bits month{};
  Bits dom{};
  bool dom_last = false;
  bool dom_last_weekday = false;
  Bits dom_nearest{};
  Bits dow{};
  std::array<std::array<bool, 6>, 7> dow_nth{};
  std::array<bool, 7> dow_last{};
  bool dom_star = false;
  bool dow_star = false;
  bool fixed_time = true;
  bool has_seconds = false;
};

unsigned days_in(int y, unsigned m) {
  return static_cast<unsigned>(
      date::year_month_day_last{date::year{y} / date::month{m} / date::last}.day());
}

unsigned weekday_of(int y, unsigned m, unsigned d) {
  return date::weekday{date::sys_days{date::year{y} / date::month{m} / date::day{d}}}.c_encoding();
}

bool is_weekend(int y, unsigned m, unsigned d) {
  const unsigned wd = weekday_of(y, m, d);
  return wd == 0 || wd == 6;
}

bool day_matches(const Reference& r, int y, unsigned m, unsigned d) {
  const unsigned len = days_in(y, m);
  bool dom = r.dom[d] || (r.dom_last && d == len);
  if (r.dom_last_weekday) {
    unsigned last = len;
    while (is_weekend(y, m, last)) {
      --last;
    }
    dom = dom || d == last;
  }
  for (unsigned n = 1; n <= 31; ++n) {
    if (!r.dom_nearest[n] || n > len) {
      continue;
    }
    unsigned target = n;
    if (is_weekend(y, m, n)) {
      // Nearest weekday inside the month: try the closer side first, Saturday before Sunday.
      const bool saturday = weekday_of(y, m, n) == 6;
      if (saturday) {
        target = n > 1 ? n - 1 : n + 2;
      } else {
        target = n < len ? n + 1 : n - 2;
      }
    }
    dom = dom || d == target;
  }
  const unsigned wd = weekday_of(y, m, d);
  bool dow = r.dow[wd];
  const unsigned occurrence = (d - 1) / 7 + 1;
  dow = dow || r.dow_nth[wd][occurrence];
  dow = dow || (r.dow_last[wd] && d + 7 > len);
  return (r.dom_star || r.dow_star) ? (dom && dow) : (dom || dow);
}

bool local_matches(const Reference& r, date::local_seconds l) {
  const auto dp = date::floor<date::days>(l);
  const date::year_month_day ymd{dp};
  const auto tod = (l - dp).count();
  const auto m = static_cast<unsigned>(ymd.month());
  return r.month[m] && r.hour[tod / 3600] && r.minute[tod / 60 % 60] && r.second[tod % 60] &&
         day_matches(r, static_cast<int>(ymd.year()), m, static_cast<unsigned>(ymd.day()));
}

bool fires_at(const Reference& r, const date::time_zone* zone, Instant i) {
  const date::sys_info info = zone->get_info(i);
  const date::local_seconds local{i.time_since_epoch() + info.offset};
  if (!r.fixed_time) {
    return local_matches(r, local);
  }
  if (local_matches(r, local)) {
    const date::local_info li = zone->get_info(local);
    return li.result != date::local_info::ambiguous ||
           i.time_since_epoch() == local.time_since_epoch() - li.first.offset;
  }
  if (i == info.begin) {
    const seconds before = zone->get_info(i - seconds{1}).offset;
    for (auto l = date::local_seconds{i.time_since_epoch() + before}; l < local; l += seconds{1}) {
      if (local_matches(r, l)) {
        return true;
      }
    }
  }
  return false;
}

// The first instant in [from, to) on the `step` grid at which the reference fires.
std::optional<Instant> first_fire(const Reference& r, const date::time_zone* zone, Instant from,
                                  Instant to, seconds step) {
  for (Instant s = from; s < to; s += step) {
    if (fires_at(r, zone, s)) {
      return s;
    }
  }
  return std::nullopt;
}

class Generator {
 public:
  explicit Generator(std::uint32_t seed) : rng_(seed) {}

  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool chance(int percent) { return uniform(1, 100) <= percent; }

  // Renders a value, sometimes as a name in random case.
  std::string value(int v, const std::vector<std::string>& names, int names_base) {
    const int index = v - names_base;
    if (!names.empty() && index >= 0 && index < static_cast<int>(names.size()) && chance(30)) {
      std::string name = names[static_cast<std::size_t>(index)];
      for (char& c : name) {
        if (chance(50)) {
          c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
      }
      return name;
    }
    return std::to_string(v);
  }

  // One plain item; marks its values in `set` (indices min..max).
  std::string item(int min, int max, Bits& set, int star_percent,
                   const std::vector<std::string>& names = {}, int names_base = 0) {
    const auto mark = [&](int lo, int hi, int step) {
      for (int v = lo; v <= hi; v += step) {
        set[static_cast<std::size_t>(v)] = true;
      }
    };
    const int span = max - min + 1;
    if (chance(star_percent)) {
      if (chance(50)) {
        mark(min, max, 1);
        return "*";
      }
      const int step = uniform(1, span);
      mark(min, max, step);
      return cat({"*/", std::to_string(step)});
    }
    const int a = uniform(min, max);
    switch (uniform(0, 3)) {
      case 0:
        mark(a, a, 1);
        return value(a, names, names_base);
      case 1: {
        const int b = uniform(a, max);
        mark(a, b, 1);
        return cat({value(a, names, names_base), "-", value(b, names, names_base)});
      }
      case 2: {
        const int b = uniform(a, max);
        const int step = uniform(1, span);
        mark(a, b, step);
        return cat({value(a, names, names_base), "-", value(b, names, names_base), "/",
                    std::to_string(step)});
      }
      default: {
        const int step = uniform(1, span);
        mark(a, max, step);
        return cat({value(a, names, names_base), "/", std::to_string(step)});
      }
    }
  }

  std::string field(int min, int max, Bits& set, int star_percent,
                    const std::vector<std::string>& names = {}, int names_base = 0) {
    std::string text = item(min, max, set, star_percent, names, names_base);
    while (chance(25)) {
      text += ',';
      text += item(min, max, set, 10, names, names_base);
    }
    return text;
  }

  std::string dom_field(Reference& r) {
    std::string text;
    const int items = uniform(1, 3);
    for (int i = 0; i < items; ++i) {
      if (i > 0) {
        text += ",";
      }
      switch (uniform(0, 9)) {
        case 0:
          r.dom_last = true;
          text += chance(50) ? "L" : "$";
          break;
        case 1:
          r.dom_last_weekday = true;
          text += "LW";
          break;
        case 2: {
          const int n = uniform(1, 31);
          r.dom_nearest[static_cast<std::size_t>(n)] = true;
          text += std::to_string(n);
          text += 'W';
          break;
        }
        default:
          text += item(1, 31, r.dom, i == 0 ? 55 : 5);
      }
    }
    return text;
  }

  std::string dow_field(Reference& r) {
    static const std::vector<std::string> kNames{"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    std::string text;
    const int items = uniform(1, 3);
    for (int i = 0; i < items; ++i) {
      if (i > 0) {
        text += ",";
      }
      const int roll = uniform(0, 9);
      if (roll == 0) {
        const int wd = uniform(0, 7);
        const int n = uniform(1, 5);
        r.dow_nth[static_cast<std::size_t>(wd % 7)][static_cast<std::size_t>(n)] = true;
        text += cat({value(wd, kNames, 0), "#", std::to_string(n)});
      } else if (roll == 1) {
        const int wd = uniform(0, 7);
        r.dow_last[static_cast<std::size_t>(wd % 7)] = true;
        text += value(wd, kNames, 0);
        text += 'L';
      } else {
        Bits days{};
        text += item(0, 7, days, i == 0 ? 60 : 5, kNames, 0);
        for (std::size_t d = 0; d < 8; ++d) {
          r.dow[d % 7] = r.dow[d % 7] || days[d];
        }
      }
    }
    return text;
  }

  std::string expression(Reference& r) {
    static const std::vector<std::string> kMonths{"jan", "feb", "mar", "apr", "may", "jun",
                                                  "jul", "aug", "sep", "oct", "nov", "dec"};
    std::string text;
    r.has_seconds = chance(25);
    if (r.has_seconds) {
      text = field(0, 59, r.second, 30);
      text += ' ';
      r.fixed_time = text[0] != '*';
    } else {
      r.second[0] = true;
    }
    const std::string minute = field(0, 59, r.minute, 45);
    const std::string hour = field(0, 23, r.hour, 55);
    r.fixed_time = r.fixed_time && minute[0] != '*' && hour[0] != '*';
    const std::string dom = dom_field(r);
    const std::string month = field(1, 12, r.month, 70, kMonths, 1);
    const std::string dow = dow_field(r);
    r.dom_star = dom[0] == '*';
    r.dow_star = dow[0] == '*';
    return cat({text, minute, " ", hour, " ", dom, " ", month, " ", dow});
  }

 private:
  std::mt19937 rng_;
};

}  // namespace

TEST_CASE("property: next_after agrees with a naive reference matcher", "[schedule]") {
  const std::array<const char*, 6> zones{"America/New_York", "Europe/London", "Australia/Lord_Howe",
                                         "Pacific/Chatham",  "Asia/Kolkata",  "UTC"};
  Generator gen(20260308);
  const Instant range_begin = date::sys_days{date::year{2026} / 1 / 1};
  const int range_days = 5 * 365;
  constexpr int kCases = 3000;
  constexpr seconds kSecondWindow{3600};
  constexpr seconds kMinuteWindow{3 * 86400};
  int checked = 0;
  int impossible = 0;
  for (int c = 0; c < kCases; ++c) {
    Reference ref;
    const std::string expr = gen.expression(ref);
    const date::time_zone* zone =
        date::locate_zone(zones[static_cast<std::size_t>(gen.uniform(0, 5))]);
    Instant t = range_begin +
                seconds{std::int64_t{gen.uniform(0, range_days)} * 86400 + gen.uniform(0, 86399)};
    // Most instants lie near a transition of the zone (if it has any): within a day, within two
    // hours, or in the last hour before it, where the DST special cases live.
    const int placement = gen.uniform(0, 3);
    const date::sys_info info = zone->get_info(t);
    if (placement > 0 && info.end < date::sys_days{date::year{2100} / 1 / 1}) {
      const int before = placement == 1 ? 86400 : (placement == 2 ? 7200 : 3600);
      const int after = placement == 1 ? 86400 : (placement == 2 ? 7200 : -1);
      t = info.end + seconds{gen.uniform(-before, after)};
    }
    INFO("case " << c << ": '" << expr << "' in " << zone->name() << " after "
                 << sqlcron::schedule::format_rfc3339(t, zone));
    std::optional<sqlcron::schedule::Schedule> schedule;
    try {
      schedule = sqlcron::schedule::Schedule::parse(expr, zone, t);
    } catch (const sqlcron::schedule::ScheduleError& e) {
      // Only impossible day combinations may be rejected.
      REQUIRE(std::string(e.what()).find("never") != std::string::npos);
      ++impossible;
      continue;
    }
    const std::optional<Instant> next = schedule->next_after(t);
    REQUIRE(next.has_value());
    INFO("next " << sqlcron::schedule::format_rfc3339(*next, zone));
    REQUIRE(*next > t);
    REQUIRE(fires_at(ref, zone, *next));
    const auto check_none = [&](Instant from, Instant to, seconds step) {
      const std::optional<Instant> early = first_fire(ref, zone, from, to, step);
      INFO("reference fires earlier at "
           << (early ? sqlcron::schedule::format_rfc3339(*early, zone) : std::string("-")));
      REQUIRE_FALSE(early.has_value());
    };
    check_none(t + seconds{1}, std::min(*next, t + kSecondWindow), seconds{1});
    check_none(std::max(t + seconds{1}, *next - kSecondWindow), *next, seconds{1});
    if (!ref.has_seconds) {
      // Five fields fire only on whole minutes (all offsets here are whole minutes).
      check_none(date::ceil<std::chrono::minutes>(t + seconds{1}),
                 std::min(*next, t + kMinuteWindow), std::chrono::minutes{1});
    }
    // Consistency: asking again from just before `next` gives `next`.
    REQUIRE(schedule->next_after(*next - seconds{1}) == next);
    ++checked;
  }
  CHECK(checked > kCases * 9 / 10);
  INFO("impossible: " << impossible);
  CHECK(impossible < kCases / 10);
}
