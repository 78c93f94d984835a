// Process: runs the built sqlcrond (or any program) as a child for black-box tests, its stdout and
// stderr going to a file. No shell is involved.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace sqlcron::test {

class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::string& output_file);
  ~Process();  // kills the child if it still runs
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  void signal(int signo) const;
  // The exit code, or nullopt if it did not exit within `timeout` (a signal death is 128+N).
  std::optional<int> wait(std::chrono::milliseconds timeout);
  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

struct Completed {
  int exit_code;
  std::string output;  // stdout and stderr together
};

// Runs to completion (at most 60 s) and returns exit code and output.
Completed run(const std::vector<std::string>& argv);

std::string read_text(const std::string& path);

}  // namespace sqlcron::test
