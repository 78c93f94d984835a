#include "util/file_text.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "util/unique_fd.hpp"

namespace sqlcron::util {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad() || ss.bad()) throw std::runtime_error("cannot read " + path + ": read error");
  return ss.str();
}

DroppedFile read_dropped_file(const std::string& path, std::size_t max_bytes) {
  DroppedFile out;
  const UniqueFd fd(
      ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (!fd) {
    const int e = errno;
    out.status = e == ENOENT  ? DroppedFile::Status::vanished
                 : e == ELOOP ? DroppedFile::Status::not_regular
                              : DroppedFile::Status::unreadable;
    out.error = e == ELOOP ? "a symbolic link" : std::strerror(e);
    return out;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    out.status = DroppedFile::Status::unreadable;
    out.error = std::strerror(errno);
    return out;
  }
  if (!S_ISREG(st.st_mode)) {
    out.status = DroppedFile::Status::not_regular;
    out.error = "not a regular file";
    return out;
  }
  if (static_cast<std::size_t>(st.st_size) > max_bytes) {
    out.status = DroppedFile::Status::too_large;
    return out;
  }
  out.content.reserve(static_cast<std::size_t>(st.st_size));
  std::array<char, std::size_t{64} * 1024> buffer{};
  for (;;) {
    const auto n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      out.status = DroppedFile::Status::unreadable;
      out.error = std::strerror(errno);
      out.content.clear();
      return out;
    }
    out.content.append(buffer.data(), static_cast<std::size_t>(n));
    if (out.content.size() > max_bytes) {  // it grew while being read
      out.status = DroppedFile::Status::too_large;
      out.content.clear();
      return out;
    }
  }
  return out;
}

}  // namespace sqlcron::util
