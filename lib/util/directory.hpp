// Checking and listing directories without exceptions: every std::filesystem call here uses its
// error_code overload, so a symlink loop, a name too long or a directory that cannot be read is
// a message the caller reports (as a config error, a failed run), never a filesystem_error.
#pragma once

#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace sqlcron::util {

// Why `path` cannot serve as a directory to read, naming it: "<path> does not exist", "<path> is
// not a directory", or "cannot read <path>: " and the system's reason ("Too many levels of
// symbolic links", "File name too long", "Permission denied"); nullopt when it is a directory
// that can be listed. Follows symlinks.
std::optional<std::string> directory_problem(const std::string& path);

// Why `path` cannot be examined, in the same words; nullopt if it exists. Follows symlinks.
std::optional<std::string> path_problem(const std::string& path);

struct DirectoryEntry {
  std::string path;  // the directory joined with the name
  std::string name;
  bool regular_file = false;  // after following symlinks (a dangling symlink is none)
  bool dangling = false;      // a symbolic link whose target does not exist
  bool symlink = false;       // the entry itself is a symbolic link
  std::error_code error;      // why the entry could not be examined (e.g. a symlink loop)
};

// The entries of `dir` (not "." and ".."), sorted by name. On failure to open or read the
// directory, returns what was read and sets `error`.
std::vector<DirectoryEntry> list_directory(const std::string& dir, std::error_code& error);

}  // namespace sqlcron::util
