#include "runlog/job_mirror.hpp"

#include <date/date.h>

namespace sqlcron::runlog {

namespace {

mysql::Value instant(std::optional<schedule::Instant> t) {
  if (!t) return std::monostate{};
  return date::format("%F %T", *t);
}

}  // namespace

JobMirror::JobMirror(std::string state_schema)
    : table_(mysql::quote_identifier(state_schema) + ".jobs") {}

void JobMirror::sync(mysql::Session& s, const std::vector<JobMirrorEntry>& jobs,
                     const std::string& instance) const {
  s.execute_raw("START TRANSACTION");
  try {
    std::string names;
    std::vector<mysql::Value> keep;
    for (const auto& e : jobs) {
      const auto& j = *e.job;
      s.execute("INSERT INTO " + table_ +
                    " (name, schedule, timezone, target, enabled, next_fire_at, defined_at,"
                    " updated_at, updated_by)"
                    " VALUES (?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), ?)"
                    " ON DUPLICATE KEY UPDATE schedule = VALUES(schedule),"
                    " timezone = VALUES(timezone), target = VALUES(target),"
                    " enabled = VALUES(enabled), next_fire_at = VALUES(next_fire_at),"
                    " updated_at = VALUES(updated_at), updated_by = VALUES(updated_by)",
                {j.name, j.trigger(), j.timezone, j.target(),
                 static_cast<std::int64_t>(j.enabled ? 1 : 0), instant(e.next_fire), instance});
      names += names.empty() ? "?" : ", ?";
      keep.emplace_back(j.name);
    }
    if (keep.empty()) {
      s.execute("DELETE FROM " + table_);
    } else {
      s.execute("DELETE FROM " + table_ + " WHERE name NOT IN (" + names + ")", keep);
    }
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
