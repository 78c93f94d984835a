#include "runlog/instance_lookup.hpp"

#include "util/sql_time.hpp"

namespace sqlcron::runlog {

InstanceLookup::InstanceLookup(const std::string& state_schema)
    : runs_(mysql::quote_identifier(state_schema) + ".runs") {}

std::optional<InstanceRoot> InstanceLookup::find(mysql::Session& s, std::int64_t run_id) const {
  // A root names no chain (or itself); every other run of the instance names the root.
  const auto rs =
      s.query("SELECT r.run_id, r.job, r.scheduled_for FROM " + runs_ + " x JOIN " + runs_ +
                  " r ON r.run_id = COALESCE(x.chain_run_id, x.run_id)"
                  " WHERE x.run_id = ?",
              {run_id});
  if (rs.rows.empty()) return std::nullopt;
  const auto& row = rs.rows[0];
  InstanceRoot out;
  out.instance = std::stoll(row[0].value_or("0"));
  out.job = row[1].value_or("");
  out.slot = std::chrono::floor<std::chrono::seconds>(util::from_sql_datetime(row[2].value_or("")));
  return out;
}

std::optional<RunningStep> InstanceLookup::running(mysql::Session& s, std::int64_t instance) const {
  const auto rs = s.query("SELECT run_id, job, instance FROM " + runs_ +
                              " WHERE (chain_run_id = ? OR run_id = ?) AND status = 'running'"
                              " AND cause <> 'failure_hook' ORDER BY run_id LIMIT 1",
                          {instance, instance});
  if (rs.rows.empty()) return std::nullopt;
  const auto& row = rs.rows[0];
  return RunningStep{std::stoll(row[0].value_or("0")), row[1].value_or(""), row[2].value_or("")};
}

}  // namespace sqlcron::runlog
