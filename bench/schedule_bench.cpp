// Micro-benchmarks of the schedule engine: next_after() over a mix of expressions and zones,
// and parse(). Run with --benchmark_repetitions=5 --benchmark_report_aggregates_only=true.
#include <benchmark/benchmark.h>

#include <array>
#include <vector>

#include "schedule/schedule.hpp"

namespace {

using sqlcron::schedule::Instant;
using sqlcron::schedule::Schedule;

struct Job {
  const char* expression;
  const char* zone;
};

// Plain, steps, lists, DOM/DOW OR, L/W/#, seconds, MySQL style, in UTC and DST zones.
constexpr std::array<Job, 12> kMix{{
    {"0 3 * * *", "UTC"},
    {"*/15 * * * *", "America/New_York"},
    {"5,20,35,50 8-18 * * 1-5", "Europe/London"},
    {"0 0 13 * 5", "UTC"},
    {"0 12 L * *", "America/New_York"},
    {"30 2 * * 1#2", "Europe/London"},
    {"0 9 15W * *", "Asia/Kolkata"},
    {"*/10 * * * * *", "Australia/Lord_Howe"},
    {"0 0 */2 * 1", "Pacific/Chatham"},
    {"0 4 * * 5L", "America/New_York"},
    {"every 1 month starts '2026-01-31 08:00:00'", "Europe/London"},
    {"every 2 hour", "UTC"},
}};

std::vector<Schedule> build_mix(Instant defined_at) {
  std::vector<Schedule> schedules;
  for (const Job& job : kMix) {
    schedules.push_back(Schedule::parse(job.expression, date::locate_zone(job.zone), defined_at));
  }
  return schedules;
}

void BM_NextAfterMix(benchmark::State& state) {
  const Instant start = date::sys_days{date::year{2026} / 1 / 1};
  const std::vector<Schedule> schedules = build_mix(start);
  std::vector<Instant> cursor(schedules.size(), start);
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t k = i++ % schedules.size();
    auto next = schedules[k].next_after(cursor[k]);
    // Walk forward (restarting every ten years) so lookups cover DST changes and month ends.
    cursor[k] = (next && *next < start + date::years{10}) ? *next : start;
    benchmark::DoNotOptimize(next);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NextAfterMix);

void BM_NextAfterSingle(benchmark::State& state) {
  const Instant start = date::sys_days{date::year{2026} / 1 / 1};
  const Schedule s = Schedule::parse(
      kMix[static_cast<std::size_t>(state.range(0))].expression,
      date::locate_zone(kMix[static_cast<std::size_t>(state.range(0))].zone), start);
  Instant t = start;
  for (auto _ : state) {
    auto next = s.next_after(t);
    t = (next && *next < start + date::years{10}) ? *next : start;
    benchmark::DoNotOptimize(next);
  }
  state.SetLabel(kMix[static_cast<std::size_t>(state.range(0))].expression);
}
BENCHMARK(BM_NextAfterSingle)->DenseRange(0, static_cast<int>(kMix.size()) - 1);

void BM_ParseCron(benchmark::State& state) {
  const auto* zone = date::locate_zone("America/New_York");
  const Instant start = date::sys_days{date::year{2026} / 1 / 1};
  constexpr std::array<const char*, 5> kExpressions{"*/15 * * * *", "5,20,35,50 8-18 * * 1-5",
                                                    "0 12 L * *", "30 2 * * 1#2",
                                                    "0 0 1 jan-jun/2 mon-fri"};
  std::size_t i = 0;
  for (auto _ : state) {
    auto s = Schedule::parse(kExpressions[i++ % kExpressions.size()], zone, start);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_ParseCron);

void BM_ParseMysql(benchmark::State& state) {
  const auto* zone = date::locate_zone("Europe/London");
  const Instant start = date::sys_days{date::year{2026} / 1 / 1};
  for (auto _ : state) {
    auto s =
        Schedule::parse("every 2 hour starts '2026-05-01 10:00:00' ends '2026-06-01'", zone, start);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_ParseMysql);

}  // namespace

BENCHMARK_MAIN();
