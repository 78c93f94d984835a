#include "runlog/overlap_leases.hpp"

#include <map>

namespace sqlcron::runlog {

namespace {

// The holder stays while its run is running; otherwise the new run takes the lease.
std::string take_clause(const std::string& runs) {
  return " ON DUPLICATE KEY UPDATE run_id = IF(EXISTS (SELECT 1 FROM " + runs +
         " r WHERE r.run_id = leases.run_id AND r.status = 'running'), leases.run_id,"
         " VALUES(run_id))";
}

}  // namespace

OverlapLeases::OverlapLeases(const std::string& state_schema)
    : leases_(mysql::quote_identifier(state_schema) + ".leases"),
      runs_(mysql::quote_identifier(state_schema) + ".runs") {}

bool OverlapLeases::take(mysql::Session& s, const std::string& job, std::int64_t run_id,
                         int limit) const {
  for (int slot = 1; slot <= limit; ++slot) {
    s.execute(
        "INSERT INTO " + leases_ + " (job, slot_no, run_id) VALUES (?, ?, ?)" + take_clause(runs_),
        {job, static_cast<std::int64_t>(slot), run_id});
    const auto rs = s.query("SELECT run_id FROM " + leases_ + " WHERE job = ? AND slot_no = ?",
                            {job, static_cast<std::int64_t>(slot)});
    if (!rs.rows.empty() && rs.rows[0][0] == std::to_string(run_id)) return true;
  }
  return false;
}

std::vector<bool> OverlapLeases::take_many(
    mysql::Session& s, const std::vector<std::pair<std::string, std::int64_t>>& runs) const {
  std::vector<bool> out(runs.size(), false);
  if (runs.empty()) return out;
  std::string sql = "INSERT INTO " + leases_ + " (job, slot_no, run_id) VALUES ";
  std::string query = "SELECT job, run_id FROM " + leases_ + " WHERE slot_no = 1 AND job IN (";
  std::vector<mysql::Value> params;
  std::vector<mysql::Value> jobs;
  params.reserve(runs.size() * 2);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    sql += i == 0 ? "(?, 1, ?)" : ", (?, 1, ?)";
    query += i == 0 ? "?" : ", ?";
    params.emplace_back(runs[i].first);
    params.emplace_back(runs[i].second);
    jobs.emplace_back(runs[i].first);
  }
  s.execute(sql + take_clause(runs_), params);
  std::map<std::string, std::string, std::less<>> holder;
  for (const auto& row : s.query(query + ")", jobs).rows) {
    holder[row[0].value_or("")] = row[1].value_or("");
  }
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto it = holder.find(runs[i].first);
    out[i] = it != holder.end() && it->second == std::to_string(runs[i].second);
  }
  return out;
}

std::string OverlapLeases::holders(mysql::Session& s, const std::string& job) const {
  std::string out;
  for (const auto& row :
       s.query("SELECT r.run_id, r.instance FROM " + leases_ + " l JOIN " + runs_ +
                   " r ON r.run_id = l.run_id AND r.status = 'running'"
                   " WHERE l.job = ? ORDER BY l.slot_no",
               {job})
           .rows) {
    if (!out.empty()) out += ", ";
    out += "run " + row[0].value_or("?") + " on " + row[1].value_or("?");
  }
  return out;
}

}  // namespace sqlcron::runlog
