// Chain readiness: a step runs for a slot once every job it runs after has succeeded for that
// slot. The one rule of the daemon (joins, through the run log) and of `backfill --chain`. Pure.
#pragma once

#include <string>
#include <vector>

namespace sqlcron::core {

// The jobs of `upstream` not in `succeeded` (the upstream jobs with a succeeded row for the
// slot), in upstream order; empty when the step is ready.
std::vector<std::string> missing_upstream(const std::vector<std::string>& upstream,
                                          const std::vector<std::string>& succeeded);

}  // namespace sqlcron::core
