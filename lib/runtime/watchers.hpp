// Watchers: the `watch:` triggers of a config, one DirWatcher per enabled job that watches a
// directory. A load of the watched directory (`load_csv.dir` = `watch`) waits until a file has
// settled (`load_csv.settle`); other watched jobs start when a file is closed or moved in.
//
// Error contract: a directory that cannot be watched is logged as an error and its job does not
// start on new files; nothing throws.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "runtime/dir_watcher.hpp"

namespace sqlcron::runtime {

class Watchers {
 public:
  // Called on the event loop with the job and the file (empty: files may be waiting).
  using OnFile = std::function<void(const std::string& job, const std::string& file)>;

  Watchers(boost::asio::io_context& io, OnFile on_file) : io_(io), on_file_(std::move(on_file)) {}

  // Watches the directories of `config`'s jobs instead of the ones watched before, then lists
  // them (files that arrived while nothing watched).
  void watch(const config::Config& config);
  // Lists `job`'s directory (empty: every one): each with files reports them (after settle).
  void rescan(const std::string& job) const;
  void clear() { watchers_.clear(); }

 private:
  boost::asio::io_context& io_;
  OnFile on_file_;
  std::map<std::string, std::unique_ptr<DirWatcher>> watchers_;  // by job
};

}  // namespace sqlcron::runtime
