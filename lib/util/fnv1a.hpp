// FNV-1a, 64 bits: a fast content fingerprint (migration files, loaded CSV files). Not a
// cryptographic hash.
#pragma once

#include <string>
#include <string_view>

namespace sqlcron::util {

// 16 lowercase hex digits.
std::string fnv1a_hex(std::string_view content);

}  // namespace sqlcron::util
