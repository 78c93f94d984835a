#include "util/fnv1a.hpp"

#include <cstdint>
#include <cstdio>

namespace sqlcron::util {

std::string fnv1a_hex(std::string_view content) {
  std::uint64_t h = 14695981039346656037ULL;
  for (const char c : content) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace sqlcron::util
