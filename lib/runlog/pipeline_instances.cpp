#include "runlog/pipeline_instances.hpp"

#include <algorithm>
#include <limits>

namespace sqlcron::runlog {

namespace {

// Instance ids are read in batches until `limit` instances are found: most ids are instances
// (a root with at least one step run), but a root that never got further is not. A batch is
// a number of rows naming ids; it doubles up to this.
constexpr std::int64_t kMaxBatch = 10000;

}  // namespace

PipelineInstances::PipelineInstances(const std::string& state_schema)
    : runs_(mysql::quote_identifier(state_schema) + ".runs") {}

mysql::ResultSet PipelineInstances::latest(mysql::Session& s, int limit) const {
  mysql::ResultSet out;
  const auto wanted = static_cast<std::size_t>(std::max(limit, 1));
  auto below = std::numeric_limits<std::int64_t>::max();
  // Rows, not ids: an instance has a row per run naming it (a few, usually).
  auto batch = std::min(static_cast<std::int64_t>(wanted) * 4, kMaxBatch);
  while (out.rows.size() < wanted) {
    // Backwards along ix_runs_chain: the newest ids first, and no further than needed (not
    // DISTINCT: prepared, MariaDB would then group every id of the log before the LIMIT). Every
    // instance has a run naming it (a root names itself; an old root may name none, but then a
    // step names it).
    const auto ids_rs = s.query("SELECT chain_run_id FROM " + runs_ +
                                    " WHERE chain_run_id < ? ORDER BY chain_run_id DESC LIMIT ?",
                                {below, batch});
    std::vector<std::int64_t> ids;
    for (const auto& row : ids_rs.rows) {
      const auto id = std::stoll(row[0].value_or("0"));
      if (ids.empty() || ids.back() != id) ids.push_back(id);
    }
    if (ids.empty()) break;
    auto rs = aggregate(s, ids);
    if (out.columns.empty()) out.columns = std::move(rs.columns);
    for (auto& row : rs.rows) {
      if (out.rows.size() == wanted) break;
      out.rows.push_back(std::move(row));
    }
    if (static_cast<std::int64_t>(ids_rs.rows.size()) < batch) break;  // the log has no more
    below = ids.back();
    batch = std::min(batch * 2, kMaxBatch);
  }
  return out;
}

mysql::ResultSet PipelineInstances::aggregate(mysql::Session& s,
                                              const std::vector<std::int64_t>& ids) const {
  std::string in = "(";
  std::vector<mysql::Value> params;
  for (const auto id : ids) {
    in += params.empty() ? "?" : ", ?";
    params.emplace_back(id);
  }
  in += ")";
  const auto twice = params;
  params.insert(params.end(), twice.begin(), twice.end());
  // The view's rules (migration 008), for these instances only: each step counted by its latest
  // run, failure hooks are no steps, the first failed step with its error; an instance has more
  // than one step. Its members: the runs naming it, and its root if that names none.
  return s.query(
      "WITH member AS ("
      " SELECT instance, run_id, job, status, error_code, error_message, at,"
      "  ROW_NUMBER() OVER (PARTITION BY instance, job ORDER BY run_id DESC) AS nth"
      " FROM (SELECT chain_run_id AS instance, run_id, job, status, error_code, error_message,"
      "   COALESCE(finished_at, started_at) AS at FROM " +
          runs_ + " WHERE chain_run_id IN " + in +
          " AND cause <> 'failure_hook'"
          "  UNION ALL"
          "  SELECT run_id, run_id, job, status, error_code, error_message,"
          "   COALESCE(finished_at, started_at) FROM " +
          runs_ + " WHERE run_id IN " + in +
          " AND chain_run_id IS NULL AND cause <> 'failure_hook') m"
          "),"
          " latest AS (SELECT instance, run_id, job, status, error_code, error_message FROM member"
          "  WHERE nth = 1),"
          " first_failure AS ("
          "  SELECT instance, run_id, job, error_message,"
          "   ROW_NUMBER() OVER (PARTITION BY instance ORDER BY run_id) AS nth"
          "  FROM latest WHERE status IN ('failed', 'timed_out', 'abandoned', 'cancelled'))"
          " SELECT l.instance AS chain_run_id, root.job AS root_job, root.scheduled_for AS slot,"
          "  SUM(l.status = 'succeeded') AS succeeded,"
          "  SUM(l.status IN ('failed', 'timed_out', 'abandoned', 'cancelled')) AS failed,"
          "  SUM(l.status = 'skipped') AS skipped, SUM(l.status = 'running') AS running,"
          "  f.job AS failed_job, f.run_id AS failed_run_id, f.error_message"
          " FROM latest l"
          " LEFT JOIN " +
          runs_ +
          " root ON root.run_id = l.instance"
          " LEFT JOIN first_failure f ON f.instance = l.instance AND f.nth = 1"
          " GROUP BY l.instance, root.job, root.scheduled_for, f.job, f.run_id, f.error_message"
          " HAVING COUNT(*) > 1"
          " ORDER BY l.instance DESC",
      params);
}

}  // namespace sqlcron::runlog
