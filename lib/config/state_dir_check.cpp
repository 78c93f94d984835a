#include "config/state_dir_check.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace sqlcron::config {

namespace {

std::string kind(mode_t mode) {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  return "not a directory";
}

}  // namespace

std::optional<std::string> state_dir_problem(const std::string& dir) {
  const std::filesystem::path path(dir);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return std::nullopt;
    return "'" + dir + "' is not a directory (it is " + kind(st.st_mode) + ")";
  }
  const int err = errno;
  if (err == EACCES) return std::nullopt;  // another user's folder: serve checks it at start
  if (err != ENOENT && err != ENOTDIR) {
    return "cannot use '" + dir + "': " + std::strerror(err);
  }
  // Missing: the nearest part that exists must be a directory for the rest to be created.
  for (auto p = path.parent_path(); !p.empty(); p = p.parent_path()) {
    if (::stat(p.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) return std::nullopt;
      return "'" + dir + "' cannot be created: '" + p.string() + "' is " + kind(st.st_mode) +
             ", not a directory";
    }
    if (errno == EACCES) return std::nullopt;
    if (errno != ENOENT && errno != ENOTDIR) {
      return "cannot use '" + dir + "': " + std::strerror(errno);
    }
    if (p == p.parent_path()) break;
  }
  return std::nullopt;
}

}  // namespace sqlcron::config
