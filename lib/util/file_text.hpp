// Reading a whole file into memory.
#pragma once

#include <cstddef>
#include <string>

namespace sqlcron::util {

// The file's bytes. Throws std::runtime_error naming the file when it cannot be read.
std::string read_file(const std::string& path);

// A file read from a directory others write to (a load_csv inbox).
struct DroppedFile {
  enum class Status {
    ok,           // `content` holds it
    vanished,     // it is gone (removed or renamed after it was listed)
    not_regular,  // a symbolic link, a FIFO, a device, a directory: never read
    too_large,    // larger than the limit: not read
    unreadable,   // it could not be opened or read (`error` says why)
  };
  Status status = Status::ok;
  std::string content;
  std::string error;  // the system's reason, for not_regular and unreadable
};

// Reads `path` only if it is a regular file and its last component is not a symbolic link
// (O_NOFOLLOW: a link dropped into the directory could point at any file the daemon may read),
// without blocking on a FIFO, and only if it holds at most `max_bytes`. Never throws for the
// file's sake (std::bad_alloc aside).
DroppedFile read_dropped_file(const std::string& path, std::size_t max_bytes);

}  // namespace sqlcron::util
