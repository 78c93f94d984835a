#include "util/file_text.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace sqlcron::util {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad() || ss.bad()) throw std::runtime_error("cannot read " + path + ": read error");
  return ss.str();
}

}  // namespace sqlcron::util
