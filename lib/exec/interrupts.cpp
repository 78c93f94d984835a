#include "exec/interrupts.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <ctime>

namespace sqlcron::exec {

namespace {

sigset_t interrupt_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);  // the terminal or ssh session went away
  sigaddset(&set, SIGQUIT);
  return set;
}

}  // namespace

Interrupts::Interrupts(std::function<void()> on_second) : on_second_(std::move(on_second)) {
  const auto set = interrupt_signals();
  pthread_sigmask(SIG_BLOCK, &set, &previous_);
  thread_ = std::thread([this, set] {
    const timespec poll{0, 200'000'000};  // to notice the destructor
    while (!stopping_.load()) {
      siginfo_t info{};
      const int sig = ::sigtimedwait(&set, &info, &poll);
      if (sig < 0) continue;  // EAGAIN (the poll) or EINTR
      const int n = ++count_;
      const auto* name = sig == SIGINT    ? "SIGINT"
                         : sig == SIGTERM ? "SIGTERM"
                         : sig == SIGHUP  ? "SIGHUP"
                                          : "SIGQUIT";
      if (n == 1) {
        spdlog::warn(
            "{}: stopping after the run in progress (its row is finished, not left "
            "running); {} again kills it",
            name, name);
      } else if (n == 2) {
        spdlog::warn("{} again: killing the run in progress", name);
        if (on_second_) on_second_();
      }
    }
  });
}

void Interrupts::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

Interrupts::~Interrupts() {
  stop();
  pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
}

}  // namespace sqlcron::exec
