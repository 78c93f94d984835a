#include "runlog/notification_log.hpp"

#include "util/sql_time.hpp"
#include "util/utf8.hpp"

namespace sqlcron::runlog {

namespace {

constexpr std::size_t kMaxText = 65535;  // a TEXT column

mysql::Value optional_int(const std::optional<int>& v) {
  if (!v) return std::monostate{};
  return static_cast<std::int64_t>(*v);
}

}  // namespace

NotificationLog::NotificationLog(const std::string& state_schema)
    : table_(mysql::quote_identifier(state_schema) + ".notifications") {}

void NotificationLog::record(mysql::Session& s, const Notification& n) const {
  s.execute("INSERT INTO " + table_ +
                " (run_id, job, command, started_at, duration_ms, exit_code, term_signal,"
                " timed_out, output, error_message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {n.run_id, n.job, util::text_for_column(n.command, kMaxText),
             util::to_sql_datetime(n.started_at), static_cast<double>(n.duration.count()) / 1000.0,
             optional_int(n.exit_code), optional_int(n.term_signal),
             static_cast<std::int64_t>(n.timed_out ? 1 : 0),
             mysql::null_if_empty(util::text_for_column(n.output, kMaxText)),
             mysql::null_if_empty(util::text_for_column(n.error_message, kMaxText))});
}

}  // namespace sqlcron::runlog
