// The per-job execution policies as configured: overlap, retry and misfire. Plain data; the
// decisions they drive live in lib/core.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sqlcron::config {

// What happens to a slot while the job's previous run is still in progress.
enum class Overlap {
  skip,   // record the slot as skipped (default)
  queue,  // keep at most one pending run, started when the running one ends
  allow,  // run concurrently, up to max_instances
};

// Which missed slots are caught up (see core/misfire_policy.hpp).
enum class Misfire { skip, run_once, run_all };

// `retry.on`: which failures are tried again (see core::retried). The default is `[transient]`.
struct RetryOn {
  bool transient = true;                // the transient MySQL errors (core::is_transient)
  bool timeout = false;                 // a run killed at its timeout (status timed_out)
  std::vector<std::string> sql_states;  // exact SQLSTATEs, e.g. "45000" (SIGNAL)
  std::vector<int> error_codes;         // MySQL error numbers, e.g. 1644
};

struct RetryPolicy {
  int attempts = 1;  // total attempts including the first; 1 = no retry
  std::chrono::milliseconds backoff{std::chrono::seconds(30)};
  std::chrono::milliseconds max_backoff{std::chrono::minutes(10)};
  RetryOn on{};
};

std::optional<Overlap> parse_overlap(std::string_view text);
std::optional<Misfire> parse_misfire(std::string_view text);

}  // namespace sqlcron::config
