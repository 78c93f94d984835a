// Crash points for the fault suite: `crash_point("spooled")` kills the process with SIGKILL - as
// `kill -9` would, with nothing flushed - when the environment variable SQLCRON_CRASH_AT names
// that point. Lets tests/fault stop a daemon at an exact step of a run's life (claimed, running,
// result spooled, result written) instead of hoping a timed kill lands there. Unset, it costs one
// getenv() at each point.
#pragma once

#include <string_view>

namespace sqlcron::util {

void crash_point(std::string_view point);

}  // namespace sqlcron::util
