#include "runlog/run_log.hpp"

#include <date/date.h>

#include <map>
#include <tuple>

#include "mysql/db_error.hpp"
#include "mysql/error_class.hpp"
#include "util/sql_time.hpp"
#include "util/utf8.hpp"

namespace sqlcron::runlog {

namespace {

constexpr std::size_t kMaxMessage = 4000;

std::string slot_text(schedule::Instant t) { return date::format("%F %T", t); }

mysql::Value chain_of(const Claim& c) {
  if (c.chain_run_id == 0) return std::monostate{};
  return c.chain_run_id;
}

}  // namespace

RunLog::RunLog(const std::string& state_schema)
    : runs_(mysql::quote_identifier(state_schema) + ".runs"),
      instances_(mysql::quote_identifier(state_schema) + ".instances") {}

std::optional<std::int64_t> RunLog::claim(mysql::Session& s, const Claim& c) const {
  try {
    s.execute("INSERT INTO " + runs_ +
                  " (job, scheduled_for, attempt, cause, instance, connection_id, started_at,"
                  " status, chain_run_id) VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?)",
              {c.job, slot_text(c.scheduled_for), static_cast<std::int64_t>(c.attempt),
               std::string(core::to_string(c.cause)), c.instance,
               static_cast<std::int64_t>(c.connection_id), util::to_sql_datetime(c.started_at),
               chain_of(c)});
  } catch (const mysql::DbError& e) {
    if (e.code() == mysql::code::kDuplicateKey) return std::nullopt;
    throw;
  }
  const auto rs = s.query("SELECT LAST_INSERT_ID()");
  const auto run_id = std::stoll(rs.rows.at(0).at(0).value_or("0"));
  if (c.chain_root && c.chain_run_id == 0) mark_roots(s, {run_id});
  return run_id;
}

void RunLog::mark_roots(mysql::Session& s, const std::vector<std::int64_t>& run_ids) const {
  if (run_ids.empty()) return;
  std::string sql = "UPDATE " + runs_ + " SET chain_run_id = run_id WHERE run_id IN (";
  std::vector<mysql::Value> params;
  for (const auto id : run_ids) {
    sql += params.empty() ? "?" : ", ?";
    params.emplace_back(id);
  }
  s.execute(sql + ") AND chain_run_id IS NULL", params);
}

std::vector<std::optional<std::int64_t>> RunLog::claim_batch(
    mysql::Session& s, const std::vector<Claim>& claims) const {
  std::vector<std::optional<std::int64_t>> out(claims.size());
  if (claims.empty()) return out;
  const auto started = util::to_sql_datetime(claims.front().started_at);
  std::string sql = "INSERT IGNORE INTO " + runs_ +
                    " (job, scheduled_for, attempt, cause, instance, started_at, status,"
                    " chain_run_id) VALUES ";
  std::vector<mysql::Value> params;
  params.reserve(claims.size() * 7);
  for (std::size_t i = 0; i < claims.size(); ++i) {
    const auto& c = claims[i];
    sql += i == 0 ? "(?, ?, ?, ?, ?, ?, 'running', ?)" : ", (?, ?, ?, ?, ?, ?, 'running', ?)";
    params.emplace_back(c.job);
    params.emplace_back(slot_text(c.scheduled_for));
    params.emplace_back(static_cast<std::int64_t>(c.attempt));
    params.emplace_back(std::string(core::to_string(c.cause)));
    params.emplace_back(c.instance);
    params.emplace_back(started);
    params.emplace_back(chain_of(c));
  }
  if (s.execute(sql, params) == 0) return out;  // every slot was already claimed
  // The rows this call inserted: this instance's, with this exact start time (ix_runs_started).
  const auto rs = s.query(
      "SELECT run_id, job, DATE_FORMAT(scheduled_for, '%Y-%m-%d %H:%i:%s'),"
      " attempt FROM " +
          runs_ + " WHERE started_at = ? AND instance = ? AND status = 'running'",
      {started, claims.front().instance});
  std::map<std::tuple<std::string, std::string, int>, std::int64_t> ids;
  for (const auto& row : rs.rows) {
    ids[{row[1].value_or(""), row[2].value_or(""), std::stoi(row[3].value_or("0"))}] =
        std::stoll(row[0].value_or("0"));
  }
  for (std::size_t i = 0; i < claims.size(); ++i) {
    const auto it =
        ids.find({claims[i].job, slot_text(claims[i].scheduled_for), claims[i].attempt});
    if (it != ids.end()) out[i] = it->second;
  }
  std::vector<std::int64_t> roots;
  for (std::size_t i = 0; i < claims.size(); ++i) {
    if (out[i] && claims[i].chain_root && claims[i].chain_run_id == 0) roots.push_back(*out[i]);
  }
  mark_roots(s, roots);
  return out;
}

void RunLog::finish(mysql::Session& s, std::int64_t run_id, const core::RunOutcome& o,
                    std::chrono::system_clock::time_point finished_at) const {
  const double ms = static_cast<double>(o.duration.count()) / 1000.0;
  s.execute("UPDATE " + runs_ +
                " SET status = ?, finished_at = ?, duration_ms = ?, rows_affected = ?,"
                " error_code = ?, sql_state = ?, error_message = ?"
                " WHERE run_id = ? AND status IN ('running', 'abandoned')",
            {std::string(core::to_string(o.status)), util::to_sql_datetime(finished_at), ms,
             o.status == core::RunStatus::succeeded ? mysql::Value{o.rows_affected}
                                                    : mysql::Value{std::monostate{}},
             o.error_code == 0 ? mysql::Value{std::monostate{}}
                               : mysql::Value{static_cast<std::int64_t>(o.error_code)},
             mysql::null_if_empty(o.sql_state),
             mysql::null_if_empty(util::text_for_column(o.error_message, kMaxMessage)), run_id});
}

void RunLog::record_skipped(mysql::Session& s, const Claim& c, const std::string& reason) const {
  const auto now = util::to_sql_datetime(c.started_at);
  // IGNORE: another instance may have claimed (and run) the same slot.
  s.execute("INSERT IGNORE INTO " + runs_ +
                " (job, scheduled_for, attempt, cause, instance, started_at, finished_at,"
                " duration_ms, status, error_message, chain_run_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 0, 'skipped', ?, ?)",
            {c.job, slot_text(c.scheduled_for), static_cast<std::int64_t>(c.attempt),
             std::string(core::to_string(c.cause)), c.instance, now, now,
             util::text_for_column(reason, kMaxMessage), chain_of(c)});
}

std::vector<std::string> RunLog::succeeded_for(mysql::Session& s,
                                               const std::vector<std::string>& jobs,
                                               schedule::Instant slot,
                                               std::int64_t* first_chain) const {
  std::vector<std::string> out;
  if (jobs.empty()) return out;
  std::string sql = "SELECT job, MIN(COALESCE(chain_run_id, run_id)) FROM " + runs_ +
                    " WHERE scheduled_for = ? AND status = 'succeeded' AND job IN (";
  std::vector<mysql::Value> params{slot_text(slot)};
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    sql += i == 0 ? "?" : ", ?";
    params.emplace_back(jobs[i]);
  }
  sql += ") GROUP BY job";
  std::int64_t first = 0;
  for (const auto& row : s.query(sql, params).rows) {
    out.push_back(row[0].value_or(""));
    const auto chain = std::stoll(row[1].value_or("0"));
    if (first == 0 || chain < first) first = chain;
  }
  if (first_chain != nullptr) *first_chain = first;
  return out;
}

std::vector<std::pair<schedule::Instant, std::int64_t>> RunLog::pending_chain_slots(
    mysql::Session& s, const std::string& job, const std::vector<std::string>& upstream,
    schedule::Instant since) const {
  std::vector<std::pair<schedule::Instant, std::int64_t>> out;
  if (upstream.empty()) return out;
  std::string sql = "SELECT u.scheduled_for, MIN(COALESCE(u.chain_run_id, u.run_id)) FROM " +
                    runs_ +
                    " u WHERE u.status = 'succeeded' AND u.scheduled_for >= ? AND u.job IN (";
  std::vector<mysql::Value> params{slot_text(since)};
  for (std::size_t i = 0; i < upstream.size(); ++i) {
    sql += i == 0 ? "?" : ", ?";
    params.emplace_back(upstream[i]);
  }
  sql += ") AND NOT EXISTS (SELECT 1 FROM " + runs_ +
         " d WHERE d.job = ? AND d.scheduled_for = u.scheduled_for)"
         " GROUP BY u.scheduled_for HAVING COUNT(DISTINCT u.job) = ? ORDER BY u.scheduled_for";
  params.emplace_back(job);
  params.emplace_back(static_cast<std::int64_t>(upstream.size()));
  for (const auto& row : s.query(sql, params).rows) {
    out.emplace_back(
        std::chrono::floor<std::chrono::seconds>(util::from_sql_datetime(row[0].value_or(""))),
        std::stoll(row[1].value_or("0")));
  }
  return out;
}

SlotState RunLog::slot_state(mysql::Session& s, const std::string& job,
                             schedule::Instant slot) const {
  const auto rs = s.query(
      "SELECT MAX(attempt), MIN(CASE WHEN status = 'succeeded' THEN run_id END),"
      " MIN(CASE WHEN status = 'succeeded' THEN COALESCE(chain_run_id, run_id) END),"
      " MIN(CASE WHEN status = 'running' THEN run_id END) FROM " +
          runs_ + " WHERE job = ? AND scheduled_for = ?",
      {job, slot_text(slot)});
  SlotState out;
  if (rs.rows.empty()) return out;
  const auto& row = rs.rows[0];
  out.attempts = row[0] ? std::stoi(*row[0]) : 0;
  if (row[1]) out.succeeded_run = std::stoll(*row[1]);
  if (row[2]) out.chain_root = std::stoll(*row[2]);
  if (row[3]) out.running_run = std::stoll(*row[3]);
  return out;
}

std::optional<schedule::Instant> RunLog::last_success(mysql::Session& s,
                                                      const std::string& job) const {
  const auto rs = s.query(
      "SELECT MAX(scheduled_for) FROM " + runs_ + " WHERE job = ? AND status = 'succeeded'", {job});
  if (rs.rows.empty() || !rs.rows[0][0]) return std::nullopt;
  return std::chrono::floor<std::chrono::seconds>(util::from_sql_datetime(*rs.rows[0][0]));
}

std::vector<std::pair<std::string, schedule::Instant>> RunLog::last_slots(
    mysql::Session& s, schedule::Instant until) const {
  std::vector<std::pair<std::string, schedule::Instant>> out;
  for (const auto& row : s.query("SELECT job, MAX(scheduled_for) FROM " + runs_ +
                                     " WHERE cause <> 'manual' AND scheduled_for <= ? GROUP BY job",
                                 {date::format("%F %T", until)})
                             .rows) {
    out.emplace_back(row[0].value_or(""), std::chrono::floor<std::chrono::seconds>(
                                              util::from_sql_datetime(row[1].value_or(""))));
  }
  return out;
}

std::vector<JobSummary> RunLog::summaries(mysql::Session& s) const {
  std::vector<JobSummary> out;
  const auto last = s.query(
      "SELECT r.job, r.status, r.started_at, r.duration_ms,"
      " (SELECT COUNT(DISTINCT f.scheduled_for) FROM " +
      runs_ +
      " f WHERE f.job = r.job AND f.status IN"
      " ('failed', 'timed_out', 'abandoned', 'cancelled')"
      " AND COALESCE(f.finished_at, f.started_at, f.scheduled_for) >="
      " UTC_TIMESTAMP(6) - INTERVAL 1 DAY"
      " AND NOT EXISTS (SELECT 1 FROM " +
      runs_ +
      " ok WHERE ok.job = f.job AND ok.scheduled_for = f.scheduled_for"
      " AND ok.status = 'succeeded'))"
      " FROM " +
      runs_ + " r JOIN (SELECT job, MAX(run_id) AS run_id FROM " + runs_ +
      " GROUP BY job) l ON l.run_id = r.run_id");
  for (const auto& row : last.rows) {
    out.push_back(JobSummary{row[0].value_or(""), row[1].value_or(""), row[2].value_or(""), row[3],
                             std::stoll(row[4].value_or("0"))});
  }
  return out;
}

std::int64_t RunLog::purge(mysql::Session& s, std::chrono::system_clock::time_point cutoff,
                           int batch) const {
  const auto when = util::to_sql_datetime(cutoff);
  return s.execute("DELETE FROM " + runs_ +
                       " WHERE started_at < ? AND status <> 'running' ORDER BY started_at"
                       " LIMIT ?",
                   {when, static_cast<std::int64_t>(batch)});
}

bool RunLog::server_read_only(mysql::Session& s) {
  // MySQL has super_read_only too; MariaDB does not. @@read_only covers both (super_read_only
  // implies read_only).
  return s.query("SELECT @@global.read_only").rows.at(0).at(0).value_or("0") != "0";
}

mysql::ResultSet RunLog::list(mysql::Session& s, const RunFilter& f) const {
  std::string sql =
      "SELECT run_id, job, scheduled_for, attempt, cause, status, started_at, duration_ms,"
      " rows_affected, error_code, sql_state, error_message, chain_run_id FROM " +
      runs_ + " WHERE 1 = 1";
  std::vector<mysql::Value> params;
  if (f.chain) {
    // The pipeline instance: its root run and every run that names it as its chain.
    sql += " AND ? IN (run_id, chain_run_id)";
    const auto root = s.query(
        "SELECT COALESCE(chain_run_id, run_id) FROM " + runs_ + " WHERE run_id = ?", {*f.chain});
    params.emplace_back(root.rows.empty() ? *f.chain : std::stoll(root.rows[0][0].value_or("0")));
  }
  if (f.job) {
    sql += " AND job = ?";
    params.emplace_back(*f.job);
  }
  if (f.status) {
    sql += " AND status = ?";
    params.emplace_back(*f.status);
  }
  if (f.since) {
    sql += " AND scheduled_for >= ?";
    params.emplace_back(util::to_sql_datetime(*f.since));
  }
  if (f.until) {
    sql += " AND scheduled_for < ?";
    params.emplace_back(util::to_sql_datetime(*f.until));
  }
  sql += " ORDER BY run_id DESC LIMIT ?";
  params.emplace_back(static_cast<std::int64_t>(f.limit));
  return s.query(sql, params);
}

std::vector<Claim> RunLog::abandon_orphans(mysql::Session& s, const std::string& self,
                                           std::chrono::seconds stale_after) const {
  const auto candidates = s.query(
      "SELECT r.run_id, r.job, r.scheduled_for, r.attempt, r.instance,"
      " COALESCE(r.chain_run_id, 0), r.cause FROM " +
          runs_ + " r LEFT JOIN " + instances_ +
          " i ON i.instance = r.instance"
          " WHERE r.status = 'running' AND r.instance <> ?"
          " AND (i.instance IS NULL OR i.stopped_at IS NOT NULL"
          " OR i.heartbeat_at < UTC_TIMESTAMP(6) - INTERVAL ? SECOND)",
      {self, static_cast<std::int64_t>(stale_after.count())});
  std::vector<Claim> out;
  for (const auto& row : candidates.rows) {
    // Row by row, so that of several instances sweeping at once each run is claimed by one.
    const auto n = s.execute("UPDATE " + runs_ +
                                 " SET status = 'abandoned', finished_at = UTC_TIMESTAMP(6),"
                                 " error_message = 'the instance running it stopped or lost its"
                                 " database link' WHERE run_id = ? AND status = 'running'",
                             {std::stoll(row[0].value_or("0"))});
    if (n != 1) continue;
    Claim c;
    c.job = row[1].value_or("");
    c.scheduled_for =
        std::chrono::floor<std::chrono::seconds>(util::from_sql_datetime(row[2].value_or("")));
    c.attempt = std::stoi(row[3].value_or("1"));
    c.instance = row[4].value_or("");
    c.chain_run_id = std::stoll(row[5].value_or("0"));
    c.run_id = std::stoll(row[0].value_or("0"));
    c.cause = core::parse_run_cause(row[6].value_or("")).value_or(core::RunCause::schedule);
    out.push_back(std::move(c));
  }
  return out;
}

bool RunLog::abandon_in_doubt(mysql::Session& s, const Claim& c) const {
  return s.execute("UPDATE " + runs_ +
                       " SET status = 'abandoned', finished_at = UTC_TIMESTAMP(6),"
                       " error_message = 'the reply to its claim was lost: it did not start'"
                       " WHERE job = ? AND scheduled_for = ? AND attempt = ? AND instance = ?"
                       " AND status = 'running'",
                   {c.job, slot_text(c.scheduled_for), static_cast<std::int64_t>(c.attempt),
                    c.instance}) == 1;
}

}  // namespace sqlcron::runlog
