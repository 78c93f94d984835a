// Logging setup: spdlog to stderr. Formats: `text` (timestamped lines), `journal` (no timestamp,
// with <N> syslog priority prefixes, chosen automatically when JOURNAL_STREAM is set, i.e. under
// systemd) and `json` (one object per line). In every format a message is one line: its control
// characters, line breaks and invalid UTF-8 bytes are escaped (util::escape_for_message).
#pragma once

#include <string>

namespace sqlcron::runtime {

enum class LogFormat { automatic, text, journal, json };

// `journal_stream` is the value of $JOURNAL_STREAM (empty if unset).
void configure_logging(LogFormat format, const std::string& journal_stream, bool verbose);

}  // namespace sqlcron::runtime
