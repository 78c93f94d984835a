#include "util/fnv1a.hpp"

#include <array>
#include <cstdint>
#include <cstdio>

namespace sqlcron::util {

std::string fnv1a_hex(std::string_view content) {
  std::uint64_t h = 14695981039346656037ULL;
  for (const char c : content) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  std::array<char, 17> buf;
  std::snprintf(buf.data(), buf.size(), "%016llx", static_cast<unsigned long long>(h));
  return buf.data();
}

}  // namespace sqlcron::util
