#include "runlog/job_mirror.hpp"

#include <date/date.h>

#include <algorithm>

namespace sqlcron::runlog {

namespace {

// Rows per multi-row INSERT: 8 parameters each, well below the 65,535 a statement may have.
constexpr std::size_t kRowsPerInsert = 500;

mysql::Value instant(std::optional<schedule::Instant> t) {
  if (!t) return std::monostate{};
  return date::format("%F %T", *t);
}

}  // namespace

JobMirror::JobMirror(const std::string& state_schema)
    : table_(mysql::quote_identifier(state_schema) + ".jobs") {}

void JobMirror::sync(mysql::Session& s, const std::vector<JobMirrorEntry>& jobs,
                     const std::string& instance) const {
  s.execute_raw("START TRANSACTION");
  try {
    // Every row of this sync gets the same updated_at; rows that did not get it are jobs no
    // longer in the config. (A list of the names kept would not fit a statement's 65,535
    // parameters with 100,000 jobs.)
    s.execute_raw("SET @sqlcron_synced_at = UTC_TIMESTAMP(6)");
    std::vector<mysql::Value> params;
    for (std::size_t from = 0; from < jobs.size(); from += kRowsPerInsert) {
      const auto to = std::min(jobs.size(), from + kRowsPerInsert);
      std::string sql = "INSERT INTO " + table_ +
                        " (name, schedule, timezone, target, enabled, next_fire_at, defined_at,"
                        " updated_at, updated_by) VALUES ";
      params.clear();
      params.reserve((to - from) * 8);
      for (auto i = from; i < to; ++i) {
        const auto& j = *jobs[i].job;
        sql += i == from ? "" : ", ";
        sql += "(?, ?, ?, ?, ?, ?, COALESCE(?, @sqlcron_synced_at), @sqlcron_synced_at, ?)";
        params.emplace_back(j.name);
        params.emplace_back(j.trigger());
        params.emplace_back(j.timezone);
        params.emplace_back(j.target());
        params.emplace_back(static_cast<std::int64_t>(j.enabled ? 1 : 0));
        params.emplace_back(instant(jobs[i].next_fire));
        params.emplace_back(instant(j.schedule ? j.schedule->anchor() : std::nullopt));
        params.emplace_back(instance);
      }
      // defined_at: an interval job's anchor; other jobs keep the time they were first mirrored.
      // (An anchor is whole seconds and the sync's instant has microseconds: should the two ever
      // be equal, the anchor is written by the next sync.)
      sql +=
          " ON DUPLICATE KEY UPDATE defined_at = IF(VALUES(defined_at) = @sqlcron_synced_at,"
          " defined_at, VALUES(defined_at)), schedule = VALUES(schedule),"
          " timezone = VALUES(timezone), target = VALUES(target),"
          " enabled = VALUES(enabled), next_fire_at = VALUES(next_fire_at),"
          " updated_at = VALUES(updated_at), updated_by = VALUES(updated_by)";
      s.execute(sql, params);
    }
    s.execute("DELETE FROM " + table_ + " WHERE updated_at <> @sqlcron_synced_at");
    s.execute_raw("COMMIT");
  } catch (...) {
    try {
      s.execute_raw("ROLLBACK");
    } catch (...) {  // NOLINT(bugprone-empty-catch): the first error is the one to report
    }
    throw;
  }
}

void JobMirror::set_next_fire(mysql::Session& s, const std::string& job,
                              std::optional<schedule::Instant> next) const {
  s.execute("UPDATE " + table_ + " SET next_fire_at = ? WHERE name = ?", {instant(next), job});
}

}  // namespace sqlcron::runlog
