// RunContext: the facts about one run that job arguments may refer to with placeholders.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "schedule/schedule.hpp"

namespace sqlcron::config {

struct RunContext {
  std::string job;
  schedule::Instant scheduled_for;
  std::int64_t run_id = 0;
  int attempt = 1;
  std::optional<schedule::Instant> last_success;  // scheduled_for of the last succeeded run
};

}  // namespace sqlcron::config
