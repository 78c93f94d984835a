#include "exec/file_inbox.hpp"

#include <fnmatch.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <filesystem>
#include <stdexcept>

#include "util/directory.hpp"
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
  std::error_code ec;
  // The marker first: files listed after it are the batch it announces.
  if (!csv_.marker.empty() && !fs::exists(fs::path(csv_.dir) / csv_.marker, ec)) {
    spdlog::info("job {}: no {} in {} yet: nothing is loaded until it is there", job_, csv_.marker,
                 csv_.dir);
    return {};
  }
  marker_seen_ = !csv_.marker.empty();
  const auto entries = util::list_directory(csv_.dir, ec);
  if (ec) throw std::runtime_error("cannot list " + csv_.dir + ": " + ec.message());
  std::vector<std::string> files;
  for (const auto& entry : entries) {
    const auto& name = entry.name;
    if (name.empty() || name[0] == '.' || name == csv_.marker) continue;
    if (::fnmatch(csv_.pattern.c_str(), name.c_str(), FNM_PERIOD) != 0) {
      spdlog::info("job {}: {} in {} does not match pattern '{}': ignored", job_,
                   util::escape_for_message(name), csv_.dir, csv_.pattern);
      continue;
    }
    // A matching name that cannot be examined (a symlink loop) fails the run, saying which.
    if (entry.error) {
      throw std::runtime_error("cannot read " + entry.path + ": " + entry.error.message());
    }
    if (!entry.regular_file) continue;
    struct stat st {};
    if (csv_.marker.empty() && csv_.settle.count() > 0 && ::stat(entry.path.c_str(), &st) == 0 &&
        now - modified_at(st) < csv_.settle) {
      ++unsettled_;
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
    const auto to = fs::path(csv_.archive) / name;
    fs::rename(path, to, ec);
    if (ec) {
      spdlog::warn("job {}: cannot move {} to {}: {}; it stays (and is not loaded again)", job_,
                   util::escape_for_message(path), csv_.archive, ec.message());
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
  if (!marker_seen_) return;
  std::error_code ec;
  fs::remove(fs::path(csv_.dir) / csv_.marker, ec);
  if (ec) {
    spdlog::warn("job {}: cannot remove {} in {}: {}", job_, csv_.marker, csv_.dir, ec.message());
  }
}

}  // namespace sqlcron::exec
