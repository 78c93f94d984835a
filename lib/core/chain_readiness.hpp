// Chain readiness: a step runs for a slot once every job it runs after has succeeded for that
// slot. The one rule of the daemon (joins, through the run log) and of `backfill --chain`, with
// the reasons both record on the steps they skip. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sqlcron::core {

// The jobs of `upstream` not in `succeeded` (the upstream jobs with a succeeded row for the
// slot), in upstream order; empty when the step is ready.
std::vector<std::string> missing_upstream(const std::vector<std::string>& upstream,
                                          const std::vector<std::string>& succeeded);

// Why a step is skipped: its upstream job's final run ended `status` ("failed", "timed_out")
// - "upstream transform failed (run 812)".
std::string upstream_failed(const std::string& job, std::string_view status, std::int64_t run_id);
// ... its upstream job was skipped for the slot - "upstream extract was skipped (<why>)".
std::string upstream_skipped(const std::string& job, const std::string& why);
// ... its upstream jobs have no succeeded run for the slot, for no reason known here.
std::string upstream_missing(const std::vector<std::string>& jobs);
// ... its upstream load succeeded but brought nothing new: the steps below would only redo the
// last instance's work.
inline constexpr std::string_view kNoNewData = "no new data";
// ... it is a chain step with `enabled: false`.
inline constexpr std::string_view kJobDisabled = "the job is disabled";

}  // namespace sqlcron::core
