#include "util/file_move.hpp"

#include <fcntl.h>
#include <stdio.h>  // NOLINT(modernize-deprecated-headers): renameat2 is declared here
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "util/unique_fd.hpp"

namespace sqlcron::util {

namespace fs = std::filesystem;

namespace {

constexpr int kMaxNumber = 10000;  // "orders.9999.csv": then the file stays and it is logged

// Links `from` at `to` (fails with EEXIST if `to` exists); renameat2 first, link(2) where the
// file system does not know RENAME_NOREPLACE. Returns 0 or an errno; on success `from` is gone.
int place(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return errno;
  if (::link(from.c_str(), to.c_str()) != 0) return errno;
  ::unlink(from.c_str());
  return 0;
}

// `from` copied to a dot-name in `dir` and synced; the copy's path, or empty with `error` set.
std::string copy_into(const std::string& from, const std::string& dir, std::string& error) {
  auto tmp = (fs::path(dir) /
              ("." + fs::path(from).filename().string() + ".partial-" + std::to_string(::getpid())))
                 .string();
  const UniqueFd in(::open(from.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  const UniqueFd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
  if (!in || !out) {
    error = std::strerror(errno);
    if (out) ::unlink(tmp.c_str());
    return {};
  }
  std::array<char, std::size_t{64} * 1024> buffer{};
  for (;;) {
    const auto n = ::read(in.get(), buffer.data(), buffer.size());
    if (n == 0) break;
    if (n < 0 && errno == EINTR) continue;
    const bool ok = n > 0 && ::write(out.get(), buffer.data(), static_cast<std::size_t>(n)) == n;
    if (!ok) {
      error = std::strerror(errno);
      ::unlink(tmp.c_str());
      return {};
    }
  }
  if (::fsync(out.get()) != 0) {
    error = std::strerror(errno);
    ::unlink(tmp.c_str());
    return {};
  }
  return tmp;
}

}  // namespace

MoveResult move_without_replacing(const std::string& from, const std::string& dir) {
  const fs::path name = fs::path(from).filename();
  std::string source = from;
  bool copied = false;  // `source` is our synced copy in `dir`; `from` still exists
  MoveResult out;
  for (int n = 0; n < kMaxNumber; ++n) {
    const auto to = n == 0 ? fs::path(dir) / name
                           : fs::path(dir) / (name.stem().string() + "." + std::to_string(n) +
                                              name.extension().string());
    const int e = place(source, to.string());
    if (e == 0) {
      if (copied && ::unlink(from.c_str()) != 0 && errno != ENOENT) {
        out.error = "archived as " + to.string() + " but not removed: " + std::strerror(errno);
      }
      out.to = to.string();
      return out;
    }
    if (e == EEXIST) continue;
    if (e == EXDEV && !copied) {  // another file system: copy, then place the copy
      source = copy_into(from, dir, out.error);
      if (source.empty()) return out;
      copied = true;
      --n;  // the same name again, now for the copy
      continue;
    }
    out.error = std::strerror(e);
    break;
  }
  if (out.error.empty()) out.error = "no free name for it in " + dir;
  if (copied) ::unlink(source.c_str());
  return out;
}

}  // namespace sqlcron::util
