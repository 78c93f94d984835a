// Small text helpers shared by the parsers: ASCII case-insensitive comparison and trimming of
// white space (std::isspace in the "C" locale: space, \t, \n, \v, \f, \r). They never throw.
#pragma once

#include <string_view>

namespace sqlcron::util {

// True when `a` and `b` are equal ignoring ASCII case.
[[nodiscard]] bool equals_ignore_case(std::string_view a, std::string_view b);

// `s` without leading and trailing white space (a view into `s`).
[[nodiscard]] std::string_view trim(std::string_view s);

}  // namespace sqlcron::util
