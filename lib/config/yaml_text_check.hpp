// Checks on the raw text of a YAML file that the parser (yaml-cpp) does not make, and the places
// its errors are explained with.
//
// yaml-cpp silently replaces bytes that are not UTF-8 with U+FFFD and reads control characters as
// text; libyaml, which this project used before, refused both, and so do we: a config file is
// UTF-8 text, and a control byte in it is almost always a mistake (a pasted escape sequence).
//
// Error contract: check_yaml_text() throws YamlSyntaxError at the first offending byte (0-based
// line and column in bytes); the other functions never throw.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "config/yaml_node.hpp"

namespace sqlcron::config {

// Refuses text that is not UTF-8 or holds a character YAML does not allow in a stream (C0 and C1
// controls other than tab, LF, CR and NEL; DEL; U+FFFE and U+FFFF).
void check_yaml_text(std::string_view text);

// The 0-based line and column (in bytes) of byte `offset` of `text`.
YamlMark mark_at(std::string_view text, std::size_t offset);

// Where a tab stands in the indentation of 0-based line `line`, if it does.
std::optional<YamlMark> indenting_tab(std::string_view text, int line);

// Where the quoted scalar that opens at byte `offset` (a ' or ") is closed; nullopt if the text
// ends first (yaml-cpp accepts such a scalar, running it to the end of the file).
std::optional<std::size_t> closing_quote(std::string_view text, std::size_t offset);

}  // namespace sqlcron::config
