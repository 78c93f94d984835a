#include "util/crash_point.hpp"

#include <csignal>
#include <cstdlib>

namespace sqlcron::util {

void crash_point(std::string_view point) {
  const char* at = std::getenv("SQLCRON_CRASH_AT");  // NOLINT(concurrency-mt-unsafe): read-only
  if (at != nullptr && point == at) std::raise(SIGKILL);
}

}  // namespace sqlcron::util
