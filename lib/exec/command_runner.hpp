// CommandRunner: runs a program for a notify: hook - no shell, no PATH search, stdin from
// /dev/null, stdout and stderr captured together, a fixed environment, a time limit. On timeout
// the program's whole process group gets SIGTERM, then SIGKILL a second later. The result is the
// program's own exit: once it has exited, its output is read for kReadAfterExit more at most, so
// that a child it left in the background holding its stdout (`curl ... &`, an alerter that
// daemonises) neither delays it nor turns it into a timeout; such a child is left running.
//
// Error contract: never throws; a program that cannot be started is reported in `error`.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace sqlcron::exec {

struct CommandResult {
  std::optional<int> exit_code;    // set when it exited
  std::optional<int> term_signal;  // set when a signal ended it
  bool timed_out = false;
  std::string output;  // stdout and stderr, at most max_output bytes
  std::string error;   // why it could not be started
  std::chrono::microseconds duration{0};
};

class CommandRunner {
 public:
  static constexpr std::size_t kMaxOutput = 64 * 1024;
  static constexpr std::chrono::milliseconds kReadAfterExit{200};

  // `argv[0]` is the program's absolute path; `env` are NAME=value entries.
  static CommandResult run(const std::vector<std::string>& argv,
                           const std::vector<std::string>& env, std::chrono::milliseconds timeout,
                           std::size_t max_output = kMaxOutput);
};

}  // namespace sqlcron::exec
