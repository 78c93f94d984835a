// UTF-8 checks for text that goes into utf8mb4 columns (CSV fields, command output).
#pragma once

#include <string>
#include <string_view>

namespace sqlcron::util {

// True if `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool valid_utf8(std::string_view s);
// `s` with every byte that is not part of a well-formed sequence replaced by '?'.
std::string sanitize_utf8(std::string_view s);

}  // namespace sqlcron::util
