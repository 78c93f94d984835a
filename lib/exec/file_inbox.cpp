#include "exec/file_inbox.hpp"

#include <fnmatch.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <filesystem>
#include <stdexcept>

#include "util/directory.hpp"
#include "util/file_move.hpp"
#include "util/utf8.hpp"

namespace sqlcron::exec {

namespace fs = std::filesystem;

namespace {

// When the file's content last changed.
std::chrono::system_clock::time_point modified_at(const struct stat& st) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
}

}  // namespace

FileInbox::FileInbox(const config::LoadCsvConfig& csv, std::string job)
    : csv_(csv), job_(std::move(job)) {}

std::vector<std::string> FileInbox::ready_files(std::chrono::system_clock::time_point now) {
  unsettled_ = 0;
  settling_ = 0;
  std::error_code ec;
  // The marker first: the files written before it are the batch it announces.
  struct stat marker {};
  if (!csv_.marker.empty() && ::stat((fs::path(csv_.dir) / csv_.marker).c_str(), &marker) != 0) {
    spdlog::info("job {}: no {} in {} yet: nothing is loaded until it is there", job_, csv_.marker,
                 util::escape_for_message(csv_.dir));
    return {};
  }
  marker_seen_ = !csv_.marker.empty();
  marker_ino_ = marker.st_ino;
  marker_mtime_ = modified_at(marker);
  const auto entries = util::list_directory(csv_.dir, ec);
  if (ec) throw std::runtime_error("cannot list " + csv_.dir + ": " + ec.message());
  std::vector<std::string> files;
  for (const auto& entry : entries) {
    const auto& name = entry.name;
    if (name.empty() || name[0] == '.' || name == csv_.marker) continue;
    if (::fnmatch(csv_.pattern.c_str(), name.c_str(), FNM_PERIOD) != 0) {
      spdlog::info("job {}: {} in {} does not match pattern '{}': ignored", job_,
                   util::escape_for_message(name), util::escape_for_message(csv_.dir),
                   csv_.pattern);
      continue;
    }
    // A symbolic link is never followed (it could point at any file the daemon may read: its
    // password file, /proc/self/environ), nor is an entry that cannot be examined: each is
    // logged and left; the other files load.
    if (entry.symlink || entry.error) {
      spdlog::warn("job {}: {} in {} is {}: not loaded", job_, util::escape_for_message(name),
                   util::escape_for_message(csv_.dir),
                   entry.symlink ? "a symbolic link (never followed)"
                                 : "unreadable (" + entry.error.message() + ")");
      continue;
    }
    if (!entry.regular_file) continue;
    struct stat st {};
    if (::lstat(entry.path.c_str(), &st) != 0) continue;  // gone meanwhile
    if (marker_seen_ && modified_at(st) > modified_at(marker)) {
      // Changed after the marker was written: a file of the next batch, perhaps still being
      // written; its own marker will announce it.
      ++unsettled_;
      spdlog::info("job {}: {} changed after {}: left for the next batch", job_,
                   util::escape_for_message(name), csv_.marker);
      continue;
    }
    // With a marker too: a file still being written when it came is not complete. A file
    // stamped ahead of this host's clock (clock skew on a share, `rsync -t` of a file from a
    // fast clock) cannot be judged by its time - it would look "just changed" until the clock
    // caught up, and nothing looks again: it is loaded as it is found (the watcher reports a file
    // only once it was closed or moved in, and then unchanged for settle).
    const auto changed = modified_at(st);
    if (csv_.settle.count() > 0 && changed > now) {
      spdlog::warn(
          "job {}: {} was last changed {} ms ahead of this host's clock (clock skew?): its time "
          "cannot tell whether it is complete; loaded as it is",
          job_, util::escape_for_message(name),
          std::chrono::duration_cast<std::chrono::milliseconds>(changed - now).count());
    } else if (csv_.settle.count() > 0 && now - changed < csv_.settle) {
      ++unsettled_;
      ++settling_;  // (with a marker: a file of its batch - the marker stays for it)
      spdlog::info("job {}: {} changed less than {} ms ago: loaded once it stops changing", job_,
                   util::escape_for_message(name), csv_.settle.count());
      continue;
    }
    files.push_back(entry.path);
  }
  return files;
}

void FileInbox::taken(const std::string& path) const {
  std::error_code ec;
  const auto name = fs::path(path).filename();
  if (!csv_.archive.empty()) {
    const auto moved = util::move_without_replacing(path, csv_.archive);
    if (moved.to.empty()) {
      spdlog::warn("job {}: cannot move {} to {}: {}; it stays (and is not loaded again)", job_,
                   util::escape_for_message(path), util::escape_for_message(csv_.archive),
                   moved.error);
    } else if (!moved.error.empty()) {
      spdlog::warn("job {}: {}", job_, util::escape_for_message(moved.error));
    } else if (moved.to != (fs::path(csv_.archive) / name).string()) {
      spdlog::info("job {}: {} archived as {} (the name was taken)", job_,
                   util::escape_for_message(path), util::escape_for_message(moved.to));
    }
  } else if (csv_.remove) {
    fs::remove(path, ec);
    if (ec) {
      spdlog::warn("job {}: cannot delete {}: {}; it stays (and is not loaded again)", job_,
                   util::escape_for_message(path), ec.message());
    }
  }
}

void FileInbox::marker_done() const {
  if (!marker_seen_ || settling_ > 0) return;  // a file of its batch is still to load
  // Only the marker this run saw: a producer may have written the next batch and its marker
  // meanwhile, and that one announces files not loaded yet.
  struct stat now {};
  const auto path = fs::path(csv_.dir) / csv_.marker;
  if (::stat(path.c_str(), &now) != 0) return;
  if (now.st_ino != marker_ino_ || modified_at(now) != marker_mtime_) {
    spdlog::info("job {}: a new {} came during the load: kept for its batch", job_, csv_.marker);
    return;
  }
  std::error_code ec;
  fs::remove(fs::path(csv_.dir) / csv_.marker, ec);
  if (ec) {
    spdlog::warn("job {}: cannot remove {} in {}: {}", job_, csv_.marker, csv_.dir, ec.message());
  }
}

}  // namespace sqlcron::exec
