#include "util/directory.hpp"

#include <algorithm>
#include <filesystem>

namespace sqlcron::util {

namespace fs = std::filesystem;

namespace {

std::string unreadable(const std::string& path, const std::error_code& ec) {
  return "cannot read " + path + ": " + ec.message();
}

}  // namespace

std::optional<std::string> path_problem(const std::string& path) {
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (st.type() == fs::file_type::not_found) return path + " does not exist";
  if (ec) return unreadable(path, ec);
  return std::nullopt;
}

std::optional<std::string> directory_problem(const std::string& path) {
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (st.type() == fs::file_type::not_found) return path + " does not exist";
  if (ec) return unreadable(path, ec);
  if (st.type() != fs::file_type::directory) return path + " is not a directory";
  const fs::directory_iterator it(path, ec);  // opening it is what needs read permission
  if (ec) return unreadable(path, ec);
  return std::nullopt;
}

std::vector<DirectoryEntry> list_directory(const std::string& dir, std::error_code& error) {
  error.clear();
  std::vector<DirectoryEntry> out;
  fs::directory_iterator it(dir, error);
  for (; !error && it != fs::directory_iterator(); it.increment(error)) {
    DirectoryEntry entry;
    entry.path = it->path().string();
    entry.name = it->path().filename().string();
    std::error_code link_ec;
    entry.symlink = it->symlink_status(link_ec).type() == fs::file_type::symlink;
    const auto st = it->status(entry.error);
    if (st.type() == fs::file_type::not_found) {  // a dangling symlink
      entry.error.clear();
      entry.dangling = true;
    }
    entry.regular_file = !entry.error && st.type() == fs::file_type::regular;
    out.push_back(std::move(entry));
  }
  std::sort(out.begin(), out.end(),
            [](const DirectoryEntry& a, const DirectoryEntry& b) { return a.name < b.name; });
  return out;
}

}  // namespace sqlcron::util
