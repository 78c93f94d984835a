// Standalone driver for libFuzzer-style targets when the compiler has no libFuzzer (gcc):
//   schedule_parse_fuzz [ITERATIONS] [SEED]
// feeds the seed corpus below, then ITERATIONS pseudo-random mutations of it (byte flips,
// inserts, deletes, splices, interesting tokens), deterministic for a given SEED.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

// NOLINTNEXTLINE(readability-identifier-naming): the entry point libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

const std::vector<std::string>& corpus() {
  static const std::vector<std::string> kCorpus{
      "* * * * *",
      "*/15 * * * *",
      "0 0 */2 * 1",
      "30 2 * * *",
      "0 0 L * *",
      "0 12 LW * *",
      "0 0 15W * *",
      "0 0 * * 5L",
      "0 0 * * mon#2",
      "0 0 1-10/3 jan-jun/2 sun-sat",
      "*/20 * * * * *",
      "@yearly",
      "@every 1h30m",
      "every 2 hour starts '2026-05-01 10:00:00' ends '2026-06-01 00:00:00'",
      "every '1 12' DAY_HOUR",
      "every '1-6' YEAR_MONTH starts 2026-01-31 08:00:00",
      "at '2026-05-01 12:00:00' + interval '2:30' hour_minute",
      "on schedule every 1 month",
  };
  return kCorpus;
}

const std::vector<std::string>& tokens() {
  static const std::vector<std::string> kTokens{"*",
                                                "/",
                                                "-",
                                                ",",
                                                "L",
                                                "W",
                                                "#",
                                                "$",
                                                "?",
                                                "@",
                                                " ",
                                                "'",
                                                "+",
                                                "0",
                                                "7",
                                                "31",
                                                "59",
                                                "60",
                                                "99999999999",
                                                "every",
                                                "at",
                                                "starts",
                                                "ends",
                                                "interval",
                                                "MONTH",
                                                "DAY_SECOND",
                                                "2026-02-29 02:30:00",
                                                "9999-12-31 23:59:59"};
  return kTokens;
}

std::string mutate(std::string s, std::mt19937_64& rng) {
  const auto pick = [&](std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng() % n); };
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits; ++e) {
    switch (rng() % 5) {
      case 0:
        if (!s.empty()) {
          s[pick(s.size())] = static_cast<char>(rng() % 256);
        }
        break;
      case 1:
        s.insert(pick(s.size() + 1), 1, static_cast<char>(32 + rng() % 95));
        break;
      case 2:
        if (!s.empty()) {
          const std::size_t at = pick(s.size());
          s.erase(at, 1 + pick(std::min<std::size_t>(4, s.size() - at)));
        }
        break;
      case 3:
        s.insert(pick(s.size() + 1), tokens()[pick(tokens().size())]);
        break;
      default: {
        const std::string& other = corpus()[pick(corpus().size())];
        s = s.substr(0, pick(s.size() + 1)) + other.substr(pick(other.size() + 1));
      }
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const long iterations = argc > 1 ? std::atol(argv[1]) : 100000;
  const unsigned long long seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1;
  std::mt19937_64 rng(seed);
  for (const std::string& input : corpus()) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
  }
  std::string current = corpus().front();
  for (long i = 0; i < iterations; ++i) {
    current = (rng() % 4 == 0) ? corpus()[rng() % corpus().size()] : current;
    current = mutate(current, rng);
    if (current.size() > 512) {
      current.resize(512);
    }
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(current.data()), current.size());
  }
  std::printf("schedule_parse_fuzz: %ld inputs (seed %llu), no crash\n",
              iterations + static_cast<long>(corpus().size()), seed);
  return 0;
}
