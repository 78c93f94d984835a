#include "runtime/dir_watcher.hpp"

#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "util/directory.hpp"
#include "util/utf8.hpp"

namespace sqlcron::runtime {

namespace {

// The directory's own removal or move, and IN_IGNORED (always reported), say that the watch is
// gone.
std::uint32_t watch_mask(bool modifications) {
  return IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR | IN_DELETE_SELF | IN_MOVE_SELF |
         (modifications ? IN_MODIFY : 0U);
}

int open_inotify() {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) throw std::runtime_error("inotify: " + std::string(std::strerror(errno)));
  return fd;
}

}  // namespace

DirWatcher::DirWatcher(boost::asio::io_context& io, const std::string& dir,
                       std::chrono::milliseconds settle, OnFile on_file)
    : dir_(dir),
      settle_(settle),
      on_file_(std::move(on_file)),
      fd_(io, open_inotify()),
      timer_(io),
      rewatch_timer_(io),
      buffer_(64UL * 1024) {
  wd_ = ::inotify_add_watch(fd_.native_handle(), dir.c_str(), watch_mask(settle.count() > 0));
  if (wd_ < 0) {
    const int e = errno;
    throw std::runtime_error("cannot watch " + dir + ": " + std::strerror(e));
  }
  read();
}

DirWatcher::~DirWatcher() {
  *alive_ = false;
  boost::system::error_code ignored;
  timer_.cancel();
  rewatch_timer_.cancel();
  fd_.cancel(ignored);
  fd_.close(ignored);
}

void DirWatcher::rescan() {
  std::error_code ec;
  const auto entries = util::list_directory(dir_, ec);
  if (ec) spdlog::warn("cannot list {}: {}", dir_, ec.message());
  for (const auto& entry : entries) {
    if (entry.regular_file && !entry.name.empty() && entry.name[0] != '.') {
      seen("");  // files are waiting (not a name: a marker's job starts on its marker's name)
      break;
    }
  }
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
          if ((ev.mask & IN_Q_OVERFLOW) != 0) {
            seen("");
          } else if (ev.wd != wd_) {
            // a watch given up (the directory moved away), or its IN_IGNORED
          } else if ((ev.mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) != 0) {
            lost();
          } else if ((ev.mask & IN_ISDIR) == 0 && !file.empty() && file[0] != '.') {
            seen(file);
          }
        }
        read();
      });
}

void DirWatcher::seen(const std::string& name) {
  if (settle_.count() == 0) {
    // Posted, like a settled file: the callback never runs inside rescan()'s caller.
    boost::asio::post(fd_.get_executor(), [this, alive = alive_, name] {
      if (*alive) on_file_(name);
    });
    return;
  }
  pending_[name] = std::chrono::steady_clock::now() + settle_;
  arm();
}

void DirWatcher::arm() {
  if (pending_.empty()) return;
  auto first = pending_.begin()->second;
  for (const auto& [name, at] : pending_) first = std::min(first, at);
  timer_.expires_at(first);
  timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive) return;  // re-armed (cancelled) or gone
    const auto now = std::chrono::steady_clock::now();
    std::vector<std::string> due;
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (it->second <= now) {
        due.push_back(it->first);
        it = pending_.erase(it);
      } else {
        ++it;
      }
    }
    arm();
    for (const auto& name : due) on_file_(name);
  });
}

void DirWatcher::lost() {
  // Moved away, the old watch would report the files of a directory elsewhere: given up.
  ::inotify_rm_watch(fd_.native_handle(), wd_);
  wd_ = -1;
  spdlog::error("{} is gone (removed or moved): not watched until it is there again",
                util::escape_for_message(dir_));
  rewatch();
}

void DirWatcher::rewatch() {
  wd_ = ::inotify_add_watch(fd_.native_handle(), dir_.c_str(), watch_mask(settle_.count() > 0));
  if (wd_ >= 0) {
    spdlog::info("watching {} again", util::escape_for_message(dir_));
    rescan();  // what arrived while nothing watched
    return;
  }
  rewatch_timer_.expires_after(kRewatchEvery);
  rewatch_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (!ec && *alive) rewatch();
  });
}

}  // namespace sqlcron::runtime
