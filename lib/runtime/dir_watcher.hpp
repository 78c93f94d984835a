// DirWatcher: calls back on the event loop when a file is complete in a directory - the `watch:`
// trigger. Linux inotify on an Asio descriptor; names starting with '.' (temporary files of
// writers that rename into place) are ignored. A file is complete when it was written and closed,
// or moved in, and then (with a settle time, `load_csv.settle`) nothing happened to it for that
// long: each write, close or rename of it starts the wait again, so a file written in several
// goes is reported once, after the last. When the directory goes (removed, moved away, its file
// system unmounted) the kernel drops the watch: an error is logged once, the directory is watched
// again as soon as it is there (tried every kRewatchEvery), and then rescanned, so files that
// arrived meanwhile are reported.
//
// Error contract: the constructor throws std::runtime_error if the directory cannot be watched;
// later failures to watch it again are logged (once) and retried, never thrown.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sqlcron::runtime {

class DirWatcher {
 public:
  // `name` is empty when the kernel's event queue overflowed: files may have arrived unseen.
  using OnFile = std::function<void(const std::string& name)>;
  static constexpr std::chrono::seconds kRewatchEvery{1};

  DirWatcher(boost::asio::io_context& io, const std::string& dir, std::chrono::milliseconds settle,
             OnFile on_file);
  ~DirWatcher();
  DirWatcher(const DirWatcher&) = delete;
  DirWatcher& operator=(const DirWatcher&) = delete;

  [[nodiscard]] const std::string& dir() const { return dir_; }
  // False while the directory is gone and not watched.
  [[nodiscard]] bool watching() const { return wd_ >= 0; }
  // Reports the first file waiting in the directory (after the settle time), if there is one:
  // files that arrived while nothing watched.
  void rescan();

 private:
  void read();
  void seen(const std::string& name);
  void arm();
  void lost();
  void rewatch();

  std::string dir_;
  std::chrono::milliseconds settle_;
  OnFile on_file_;
  boost::asio::posix::stream_descriptor fd_;
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer rewatch_timer_;
  int wd_ = -1;  // the directory's watch; -1 while it is gone
  std::map<std::string, std::chrono::steady_clock::time_point> pending_;  // name -> report at
  std::vector<char> buffer_;
  // A read that completed just before destruction still has its handler queued on the loop;
  // it finds this false and touches nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sqlcron::runtime
