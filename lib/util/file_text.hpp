// Reading a whole file into memory.
#pragma once

#include <string>

namespace sqlcron::util {

// The file's bytes. Throws std::runtime_error naming the file when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace sqlcron::util
