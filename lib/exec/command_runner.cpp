#include "exec/command_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>

namespace sqlcron::exec {

namespace {

using Clock = std::chrono::steady_clock;

std::vector<char*> c_strings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// Reads what is available into `out` (up to `max`, the rest is discarded); false at end of
// file. Bounded per call, so that a program writing without pause cannot starve the deadline.
bool drain(int fd, std::string& out, std::size_t max) {
  std::array<char, 4096> buf;
  for (int i = 0; i < 64; ++i) {
    const auto n = ::read(fd, buf.data(), buf.size());
    if (n > 0) {
      const auto room = max > out.size() ? max - out.size() : 0;
      out.append(buf.data(), std::min(room, static_cast<std::size_t>(n)));
      continue;
    }
    if (n == 0) return false;
    return errno == EAGAIN || errno == EINTR;
  }
  return true;
}

}  // namespace

CommandResult CommandRunner::run(const std::vector<std::string>& argv,
                                 const std::vector<std::string>& env,
                                 std::chrono::milliseconds timeout, std::size_t max_output) {
  CommandResult result;
  const auto started = Clock::now();
  if (argv.empty() || argv[0].empty() || argv[0][0] != '/') {
    result.error = "the program must be given by its absolute path";
    return result;
  }
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
    result.error = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  // Nothing else of the daemon's: no database sockets, no listening HTTP socket.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  // Its own process group, so that a timeout ends whatever it started too; default signal
  // handling (the daemon's signal mask must not leak into it).
  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  auto args = c_strings(argv);
  auto envp = c_strings(env);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, argv[0].c_str(), &actions, &attr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    result.error = "cannot run " + argv[0] + ": " + std::strerror(rc);
    result.duration = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
    return result;
  }
  ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
  const auto deadline = started + timeout;
  bool open = true;
  bool term_sent = false;
  bool reaped = false;
  int status = 0;
  Clock::time_point kill_at{};
  Clock::time_point read_until{};
  // Until it has exited and closed its output - or the time is up: SIGTERM to its process group,
  // SIGKILL a second later. Once it has exited, its output is read for kReadAfterExit at most: a
  // child it left in the background (an alerter that daemonises, `curl ... &`) may hold the pipe
  // open for as long as it likes, and is neither waited for nor killed.
  for (;;) {
    if (!reaped) {
      const auto r = ::waitpid(pid, &status, WNOHANG);
      reaped = r == pid;
      if (reaped) read_until = Clock::now() + kReadAfterExit;
    }
    const auto now = Clock::now();
    if (reaped && (!open || now >= read_until)) break;
    if (!reaped && !term_sent && now >= deadline) {
      result.timed_out = true;
      ::kill(-pid, SIGTERM);
      term_sent = true;
      kill_at = now + std::chrono::seconds(1);
    } else if (!reaped && term_sent && now >= kill_at) {
      ::kill(-pid, SIGKILL);  // the group outlives its leader until every member is gone
      break;
    }
    auto until = term_sent ? kill_at : deadline;
    if (reaped) until = read_until;
    auto wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count();
    if (!reaped) wait_ms = std::min<std::int64_t>(wait_ms, 10);  // exit is polled, not signalled
    if (open) {
      pollfd p{fds[0], POLLIN, 0};
      const int n = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(0, wait_ms) + 1));
      if (n > 0) open = drain(fds[0], result.output, max_output);
    } else {
      ::usleep(static_cast<useconds_t>(std::max<std::int64_t>(1, wait_ms)) * 1000);
    }
  }
  ::close(fds[0]);
  if (!reaped) {
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.term_signal = WTERMSIG(status);
  result.duration = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
  return result;
}

}  // namespace sqlcron::exec
