// UTF-8 checks for text that goes into utf8mb4 columns (CSV fields, command output).
#pragma once

#include <string>
#include <string_view>

namespace sqlcron::util {

// True if `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool valid_utf8(std::string_view s);
// `s` with every byte that is not part of a well-formed sequence replaced by '?'.
std::string sanitize_utf8(std::string_view s);
// `s` for a message on a terminal or in a log: each byte that is not part of a well-formed
// sequence, and each control character but tab (C0, DEL), becomes \xHH ("\xFF", "\x1B"); C1
// controls (NEL among them) and U+2028/U+2029 become \uHHHH: no line break YAML knows remains.
std::string escape_for_message(std::string_view s);
// `s` for a text column of a utf8mb4 table: valid UTF-8 (each invalid byte becomes '?') of at
// most `max_bytes` bytes, cut at a character boundary - so the server never refuses the row
// ("Incorrect string value") for text that came from a server, a file or a program.
std::string text_for_column(std::string_view s, std::size_t max_bytes);
// The length of the well-formed sequence starting at s[i] (1 to 4), or 0 if there is none.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

}  // namespace sqlcron::util
