// Moving a file into a directory without ever replacing a file there: for load_csv's archive,
// where a daily "orders.csv" must not overwrite yesterday's.
//
// Error contract: never throws for the file's sake; failures come back as an error text.
#pragma once

#include <optional>
#include <string>

namespace sqlcron::util {

struct MoveResult {
  std::string to;     // where the file is now (empty on failure)
  std::string error;  // why it could not be moved (then it stays where it was)
};

// Moves `from` into `dir` under its own name or, when that name is taken, under the first free
// "<stem>.<n><extension>" (n = 1, 2, ...; "orders.1.csv"). Atomic where the file system allows
// (renameat2 RENAME_NOREPLACE, else link + unlink); across file systems the file is copied under
// a dot-name in `dir`, synced, linked to its name, and only then removed from where it was.
MoveResult move_without_replacing(const std::string& from, const std::string& dir);

}  // namespace sqlcron::util
