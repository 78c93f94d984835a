// SpoolRecord: one run result as a line of the spool file, and back. Tab-separated, eight
// fields: run id, status, finished at (UTC DATETIME(6)), duration in microseconds, rows affected,
// error code, SQLSTATE, error message; tabs, newlines and backslashes in text are escaped, so a
// record is always exactly one line.
//
// Error contract: nothing throws except std::bad_alloc; parse() returns nullopt (with the
// reason) for a line that is not a record.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/run_outcome.hpp"
#include "runlog/run_log.hpp"

namespace sqlcron::runlog {

// A slot decided not to run whose `skipped` row could not be written (RunLog::record_skipped):
// its line starts with "skip" and holds the claim and the reason.
struct SkipRecord {
  Claim claim;
  std::string reason;
};

struct SpoolRecord {
  std::int64_t run_id = 0;
  core::RunOutcome outcome;
  std::chrono::system_clock::time_point finished_at;
  std::optional<SkipRecord> skip;  // set: this line is a skipped slot, not a run's result

  // The line, with its trailing '\n'.
  [[nodiscard]] std::string to_line() const;
  // A line without its '\n': the record, or why it is not one.
  static std::variant<SpoolRecord, std::string> parse(std::string_view line);
};

}  // namespace sqlcron::runlog
