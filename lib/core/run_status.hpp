// RunStatus and RunCause: the states and origins of a run, as stored in the run log.
#pragma once

#include <optional>
#include <string_view>

namespace sqlcron::core {

enum class RunStatus { running, succeeded, failed, timed_out, skipped, abandoned, cancelled };

enum class RunCause { schedule, catchup, retry, manual, chain, failure_hook, watch };

constexpr std::string_view to_string(RunStatus s) {
  switch (s) {
    case RunStatus::running:
      return "running";
    case RunStatus::succeeded:
      return "succeeded";
    case RunStatus::failed:
      return "failed";
    case RunStatus::timed_out:
      return "timed_out";
    case RunStatus::skipped:
      return "skipped";
    case RunStatus::abandoned:
      return "abandoned";
    case RunStatus::cancelled:
      return "cancelled";
  }
  return "unknown";
}

constexpr std::string_view to_string(RunCause c) {
  switch (c) {
    case RunCause::schedule:
      return "schedule";
    case RunCause::catchup:
      return "catchup";
    case RunCause::retry:
      return "retry";
    case RunCause::manual:
      return "manual";
    case RunCause::chain:
      return "chain";
    case RunCause::failure_hook:
      return "failure_hook";
    case RunCause::watch:
      return "watch";
  }
  return "unknown";
}

// The cause named `text` in the run log; nullopt for a name it does not know.
constexpr std::optional<RunCause> parse_run_cause(std::string_view text) {
  for (const auto c : {RunCause::schedule, RunCause::catchup, RunCause::retry, RunCause::manual,
                       RunCause::chain, RunCause::failure_hook, RunCause::watch}) {
    if (to_string(c) == text) return c;
  }
  return std::nullopt;
}

}  // namespace sqlcron::core
