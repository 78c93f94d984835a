// state_dir_problem: whether scheduler.state_dir can serve as the daemon's state directory (the
// spool of unwritten results and the daemon's lock), judged from the file system as check-config
// sees it: an existing directory, or a path that can be created - no part of it a regular file
// (or anything else that is not a directory), no symlink loop. Writability is not judged here
// (check-config may run as another user than the daemon): serve checks it at start.
//
// Error contract: nothing throws except std::bad_alloc; a problem is returned as a message that
// names the offending path.
#pragma once

#include <optional>
#include <string>

namespace sqlcron::config {

std::optional<std::string> state_dir_problem(const std::string& dir);

}  // namespace sqlcron::config
