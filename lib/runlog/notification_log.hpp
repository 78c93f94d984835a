// NotificationLog: the `notifications` table - one row per notify: command run for a failed run,
// with how it ended and what it printed.
//
// Error contract: throws mysql::DbError on database failure.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "mysql/session.hpp"

namespace sqlcron::runlog {

struct Notification {
  std::int64_t run_id = 0;  // the failed run
  std::string job;
  std::string command;  // argv joined with spaces, for people
  std::chrono::system_clock::time_point started_at;
  std::chrono::microseconds duration{0};
  std::optional<int> exit_code;
  std::optional<int> term_signal;
  bool timed_out = false;
  std::string output;
  std::string error_message;
};

class NotificationLog {
 public:
  explicit NotificationLog(const std::string& state_schema);
  void record(mysql::Session& s, const Notification& n) const;

 private:
  std::string table_;
};

}  // namespace sqlcron::runlog
