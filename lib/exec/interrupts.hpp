// Interrupts: SIGINT, SIGTERM, SIGHUP and SIGQUIT for a one-shot command that runs jobs (run-now,
// backfill, rerun). Killing the process at once would leave its run's row `running` while the
// statement goes on in the server - and a daemon would later abandon and retry a slot that
// completed. So the first signal only asks the command to stop after the current run (count() > 0);
// the second calls `on_second` (which kills the current run, recorded `cancelled`), and the command
// ends.
//
// Construct it before any other thread of the process: the signals are blocked in the calling
// thread (and so in every thread started after) and taken by its own thread; the destructor
// restores the mask. Error contract: never throws after construction.
#pragma once

#include <signal.h>

#include <atomic>
#include <functional>
#include <thread>

namespace sqlcron::exec {

class Interrupts {
 public:
  explicit Interrupts(std::function<void()> on_second);
  ~Interrupts();
  Interrupts(const Interrupts&) = delete;
  Interrupts& operator=(const Interrupts&) = delete;

  // How many of those signals arrived.
  [[nodiscard]] int count() const { return count_.load(); }
  // Stops taking signals (they stay blocked until destruction); on_second is not called after.
  void stop();

 private:
  std::function<void()> on_second_;
  sigset_t previous_{};
  std::atomic<int> count_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace sqlcron::exec
