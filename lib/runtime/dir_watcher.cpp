#include "runtime/dir_watcher.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace sqlcron::runtime {

namespace {

int open_watch(const std::string& dir) {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) throw std::runtime_error("inotify: " + std::string(std::strerror(errno)));
  if (::inotify_add_watch(fd, dir.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR) < 0) {
    const int e = errno;
    ::close(fd);
    throw std::runtime_error("cannot watch " + dir + ": " + std::strerror(e));
  }
  return fd;
}

}  // namespace

DirWatcher::DirWatcher(boost::asio::io_context& io, const std::string& dir, OnFile on_file)
    : dir_(dir), on_file_(std::move(on_file)), fd_(io, open_watch(dir)), buffer_(64UL * 1024) {
  read();
}

DirWatcher::~DirWatcher() {
  *alive_ = false;
  boost::system::error_code ignored;
  fd_.cancel(ignored);
  fd_.close(ignored);
}

void DirWatcher::read() {
  fd_.async_read_some(
      boost::asio::buffer(buffer_), [this](const boost::system::error_code& ec, std::size_t n) {
        if (ec) return;  // cancelled: the watcher is gone
        std::size_t at = 0;
        while (at + sizeof(inotify_event) <= n) {
          inotify_event ev{};
          std::memcpy(&ev, buffer_.data() + at, sizeof ev);
          const char* name = buffer_.data() + at + sizeof(inotify_event);
          const std::string file = ev.len > 0 ? std::string(name, ::strnlen(name, ev.len)) : "";
          at += sizeof(inotify_event) + ev.len;
          if ((ev.mask & IN_ISDIR) == 0 && !file.empty() && file[0] != '.') {
            on_file_(file);
          }
        }
        read();
      });
}

}  // namespace sqlcron::runtime
