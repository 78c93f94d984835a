#include "runlog/anchor_store.hpp"

#include <date/date.h>

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "mysql/db_error.hpp"
#include "mysql/error_class.hpp"
#include "util/sql_time.hpp"

namespace sqlcron::runlog {

namespace {

// Rows per multi-row INSERT: 5 parameters each, well below the 65,535 a statement may have.
constexpr std::size_t kRowsPerInsert = 500;
constexpr int kDeadlockTries = 5;

}  // namespace

AnchorStore::AnchorStore(const std::string& state_schema)
    : table_(mysql::quote_identifier(state_schema) + ".anchors") {}

std::vector<config::JobAnchor> AnchorStore::claim(mysql::Session& s,
                                                  std::vector<config::JobAnchor> wanted,
                                                  const std::string& instance) const {
  // Usually every anchor is stored already (a reload, a restart): one read, no write.
  const auto found = fill(s, wanted);
  std::vector<const config::JobAnchor*> rows;
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    if (found[i] == 0) rows.push_back(&wanted[i]);
  }
  if (rows.empty()) return wanted;
  // Rows in one order (by job) so that daemons writing the same rows lock them in the same order.
  std::sort(rows.begin(), rows.end(), [](const auto* a, const auto* b) { return a->job < b->job; });
  std::vector<mysql::Value> params;
  for (std::size_t from = 0; from < rows.size(); from += kRowsPerInsert) {
    const auto to = std::min(rows.size(), from + kRowsPerInsert);
    std::string sql =
        "INSERT INTO " + table_ + " (job, schedule, timezone, anchored_at, anchored_by) VALUES ";
    params.clear();
    params.reserve((to - from) * 5);
    for (auto i = from; i < to; ++i) {
      sql += i == from ? "(?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?)";
      params.emplace_back(rows[i]->job);
      params.emplace_back(rows[i]->schedule);
      params.emplace_back(rows[i]->timezone);
      params.emplace_back(date::format("%F %T", rows[i]->anchored_at));
      params.emplace_back(instance);
    }
    // The assignments run left to right: the anchor is decided while `schedule` and `timezone`
    // still hold the stored values.
    sql +=
        " ON DUPLICATE KEY UPDATE"
        " anchored_at = IF(schedule = VALUES(schedule) AND timezone = VALUES(timezone),"
        " anchored_at, VALUES(anchored_at)),"
        " anchored_by = IF(schedule = VALUES(schedule) AND timezone = VALUES(timezone),"
        " anchored_by, VALUES(anchored_by)),"
        " schedule = VALUES(schedule), timezone = VALUES(timezone)";
    for (int attempt = 1;; ++attempt) {
      try {
        s.execute(sql, params);
        break;
      } catch (const mysql::DbError& e) {
        const bool busy = mysql::is_lock_conflict(e.code());
        if (!busy || attempt == kDeadlockTries) throw;
      }
    }
  }
  // What is stored now: ours, or what a concurrent caller stored first.
  (void)fill(s, wanted);
  return wanted;
}

std::vector<config::JobAnchor> AnchorStore::read(mysql::Session& s,
                                                 std::vector<config::JobAnchor> wanted) const {
  (void)fill(s, wanted);
  return wanted;
}

std::vector<char> AnchorStore::fill(mysql::Session& s,
                                    std::vector<config::JobAnchor>& wanted) const {
  std::vector<char> found(wanted.size(), 0);
  if (wanted.empty()) return found;
  std::unordered_map<std::string_view, std::size_t> by_job;
  by_job.reserve(wanted.size());
  for (std::size_t i = 0; i < wanted.size(); ++i) by_job.emplace(wanted[i].job, i);
  const auto rs = s.query("SELECT job, schedule, timezone, anchored_at FROM " + table_);
  for (const auto& row : rs.rows) {
    const auto it = by_job.find(row.at(0).value_or(""));
    if (it == by_job.end()) continue;
    auto& a = wanted[it->second];
    if (row.at(1).value_or("") != a.schedule || row.at(2).value_or("") != a.timezone) continue;
    a.anchored_at =
        std::chrono::floor<std::chrono::seconds>(util::from_sql_datetime(row.at(3).value_or("")));
    found[it->second] = 1;
  }
  return found;
}

}  // namespace sqlcron::runlog
