#include <algorithm>
#include <iostream>

#include "commands.hpp"
#include "mysql/connector.hpp"
#include "mysql/db_error.hpp"
#include "mysql/error_class.hpp"
#include "runlog/run_log.hpp"
#include "time_argument.hpp"
#include "util/result_format.hpp"

namespace sqlcron::daemon {

int runs_command(const CommandContext& ctx, const RunsOptions& o) {
  // A pipeline instance is shown whole: up to 1000 runs, or --limit if that is more.
  runlog::RunFilter filter{o.job,        o.status, std::nullopt,
                           std::nullopt, o.chain,  o.chain ? std::max(o.limit, 1000) : o.limit};
  try {
    const auto now = std::chrono::system_clock::now();
    if (!o.since.empty()) filter.since = parse_time_argument(o.since, now);
    if (!o.until.empty()) filter.until = parse_time_argument(o.until, now);
  } catch (const std::invalid_argument& e) {
    std::cerr << "sqlcrond runs: " << e.what() << '\n';
    return to_int(ExitCode::usage);
  }
  const auto config = load_config_or_report(ctx.config_path);
  if (!config) return to_int(ExitCode::config);
  try {
    const mysql::Connector connector;
    const auto session = connector.open(connection_settings(config->database));
    auto rs = runlog::RunLog(config->scheduler.state_schema).list(*session, filter);
    std::reverse(rs.rows.begin(), rs.rows.end());  // oldest first, newest at the bottom
    if (o.format == "json") {
      std::cout << util::format_json(
          rs.columns, rs.rows,
          {"run_id", "attempt", "duration_ms", "rows_affected", "error_code", "chain_run_id"});
    } else if (o.format == "csv") {
      std::cout << util::format_csv(rs.columns, rs.rows);
    } else {
      std::cout << util::format_table(rs.columns, rs.rows);
    }
    return to_int(ExitCode::ok);
  } catch (const mysql::DbError& e) {
    std::cerr << "sqlcrond runs: " << e.what() << '\n';
    return to_int(mysql::is_unreachable(e.code()) ? ExitCode::unavailable : ExitCode::failure);
  }
}

}  // namespace sqlcron::daemon
