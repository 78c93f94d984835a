// Server text (an event's name, COMMENT, body, error messages quoting them) as lines that are safe
// after '#' in YAML. YAML ends a comment at any line break it knows - LF, CR, and also NEL
// (U+0085), LS (U+2028) and PS (U+2029) - so one of those written raw would end the comment and
// let the rest of the text be read as YAML (an injected job).
//
// comment_lines() splits at the text's own line breaks (LF, CR LF, CR) and escapes, in each
// line, every other character YAML reads as a break or refuses in a stream: NEL, LS, PS and the
// other C1 controls as \uXXXX, C0 controls but tab and DEL as \xHH, U+FEFF, U+FFFE and U+FFFF as
// \uXXXX, and each byte of invalid UTF-8 as \xHH. Never throws for any input.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sqlcron::importer {

std::vector<std::string> comment_lines(std::string_view text);

// True if `text` has nothing comment_lines() would escape and no line break but LF: it can be
// written as YAML lines as it is (a literal block).
bool plain_lines(std::string_view text);

}  // namespace sqlcron::importer
