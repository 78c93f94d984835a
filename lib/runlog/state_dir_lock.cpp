#include "runlog/state_dir_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <filesystem>
#include <system_error>

namespace sqlcron::runlog {

namespace {

[[noreturn]] void fail(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

// What the holder wrote, on one line; "unknown" if nothing can be read (it may be writing).
std::string read_holder(int fd) {
  std::array<char, 512> buf;
  const auto n = ::pread(fd, buf.data(), buf.size() - 1, 0);
  std::string text(buf.data(), n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  for (auto& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text.empty() ? "unknown" : text;
}

}  // namespace

StateDirBusy::StateDirBusy(const std::string& dir, std::string holder)
    : std::runtime_error("scheduler.state_dir " + dir + " is in use by another sqlcrond (" +
                         holder + "); one daemon per state_dir: give each its own"),
      holder_(std::move(holder)) {}

StateDirLock::StateDirLock(const std::string& dir, const std::string& host,
                           const std::string& instance)
    : path_((std::filesystem::path(dir) / "lock").string()) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail(ec.value(), "cannot create " + dir);
  fd_ = util::UniqueFd(::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd_) fail(errno, "cannot open " + path_);
  while (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) throw StateDirBusy(dir, read_holder(fd_.get()));
    if (errno != EINTR) fail(errno, "cannot lock " + path_);
  }
  // Also proves the folder can take data (a full disk fails here, not at the first spooled run).
  const std::string holder =
      "pid " + std::to_string(::getpid()) + " on host " + host + ", instance " + instance + "\n";
  if (::ftruncate(fd_.get(), 0) != 0) fail(errno, "cannot write " + path_);
  const auto n = ::pwrite(fd_.get(), holder.data(), holder.size(), 0);
  if (n != static_cast<ssize_t>(holder.size())) {
    fail(n < 0 ? errno : ENOSPC, "cannot write " + path_);
  }
  if (::fsync(fd_.get()) != 0) fail(errno, "cannot write " + path_);
}

}  // namespace sqlcron::runlog
