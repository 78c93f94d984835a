// StateDirLock: one daemon per scheduler.state_dir. Takes an exclusive flock on
// `<state_dir>/lock` (created if missing, with the folder) and writes the holder into it - pid,
// host and instance - for as long as the object lives (the daemon's life; the kernel releases
// the lock when the process dies, even by kill -9). The descriptor is O_CLOEXEC, so commands the
// daemon starts do not inherit the lock.
//
// Error contract: the constructor throws StateDirBusy when another process holds the lock (its
// what() names the state_dir and the holder as written in the file), std::system_error when the
// folder or the file cannot be created or written (the message names the path).
#pragma once

#include <stdexcept>
#include <string>

#include "util/unique_fd.hpp"

namespace sqlcron::runlog {

class StateDirBusy : public std::runtime_error {
 public:
  StateDirBusy(const std::string& dir, std::string holder);
  // The lock file's content: "pid 1234 on host db1, instance db1:1234:1700000000".
  [[nodiscard]] const std::string& holder() const { return holder_; }

 private:
  std::string holder_;
};

class StateDirLock {
 public:
  StateDirLock(const std::string& dir, const std::string& host, const std::string& instance);
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
  util::UniqueFd fd_;
};

}  // namespace sqlcron::runlog
