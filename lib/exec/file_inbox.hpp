// FileInbox: which files of a `load_csv:` directory are ready to load, and what becomes of a file
// once loaded. A file is ready when its name matches the pattern (names starting with '.' are
// writers' temporary files and never read), it is a regular file, and it is complete: unchanged
// for `settle` (its modification time; a time ahead of the wall clock cannot be judged and counts
// as settled, with a warning) and - with `marker:` - the marker file is in the directory
// and the file was last changed before it (a file changed after it belongs to the next batch).
// Names that do not match are logged, never read; symbolic links and entries that cannot be
// examined are logged and never followed or read. After a load: the file is moved to `archive:`
// (never over a file there: a name taken gets a number; across file systems it is copied, synced,
// then removed) or deleted (`delete: true`), or stays; the marker is removed once every file it
// covered was taken.
//
// Error contract: ready_files() throws std::runtime_error when the directory cannot be listed;
// taken() and marker_done() log what they cannot do (the file stays, and is not loaded twice:
// loaded_files remembers it) and never throw.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace sqlcron::exec {

class FileInbox {
 public:
  FileInbox(const config::LoadCsvConfig& csv, std::string job);

  // Paths of the files to load now, in name order. `now` is the wall clock.
  std::vector<std::string> ready_files(std::chrono::system_clock::time_point now);
  // How many matching files were left for later because they were still changing.
  [[nodiscard]] int unsettled() const { return unsettled_; }
  // Of those, how many changed less than `settle` ago (not: changed after the marker): they are
  // ready `settle` from now at the latest, whatever arrives meanwhile.
  [[nodiscard]] int settling() const { return settling_; }

  // The file at `path` was loaded (now or before): archive or delete it as configured.
  void taken(const std::string& path) const;
  // Every ready file was taken: remove the marker ready_files() saw (not one written since), so
  // that the next batch needs a new one - unless a file of its batch was left still settling.
  void marker_done() const;

 private:
  const config::LoadCsvConfig& csv_;
  std::string job_;
  int unsettled_ = 0;
  int settling_ = 0;  // files still settling (with a marker: files of the batch it announced)
  bool marker_seen_ = false;
  ino_t marker_ino_ = 0;  // the marker ready_files() saw: only it is removed
  std::chrono::system_clock::time_point marker_mtime_;
};

}  // namespace sqlcron::exec
