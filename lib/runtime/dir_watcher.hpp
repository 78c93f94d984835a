// DirWatcher: calls back on the event loop when a file is complete in a directory (written and
// closed, or moved in) - the `watch:` trigger. Linux inotify on an Asio descriptor; names
// starting with '.' (temporary files of writers that rename into place) are ignored.
//
// Error contract: the constructor throws std::runtime_error if the directory cannot be watched.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sqlcron::runtime {

class DirWatcher {
 public:
  // `name` is empty when the kernel's event queue overflowed: files may have arrived unseen.
  using OnFile = std::function<void(const std::string& name)>;

  DirWatcher(boost::asio::io_context& io, const std::string& dir, OnFile on_file);
  ~DirWatcher();
  DirWatcher(const DirWatcher&) = delete;
  DirWatcher& operator=(const DirWatcher&) = delete;

  [[nodiscard]] const std::string& dir() const { return dir_; }

 private:
  void read();

  std::string dir_;
  OnFile on_file_;
  boost::asio::posix::stream_descriptor fd_;
  std::vector<char> buffer_;
  // A read that completed just before destruction still has its handler queued on the loop;
  // it finds this false and touches nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sqlcron::runtime
