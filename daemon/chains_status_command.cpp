// status --chains: one line per pipeline instance (the rows of the view pipeline_instances,
// migration 008, read for the latest instances only: runlog::PipelineInstances): its id, root job
// and slot, how many steps succeeded, failed, were skipped or still run, and its first failed
// step with the error - the run id to give `sqlcrond rerun`.
#include <algorithm>
#include <iostream>

#include "commands.hpp"
#include "mysql/connector.hpp"
#include "mysql/db_error.hpp"
#include "mysql/error_class.hpp"
#include "runlog/pipeline_instances.hpp"
#include "util/result_format.hpp"

namespace sqlcron::daemon {

int chains_status_command(const CommandContext& ctx, const StatusOptions& o) {
  const auto config = load_config_or_report(ctx.config_path);
  if (!config) return to_int(ExitCode::config);
  try {
    const mysql::Connector connector;
    const auto session = connector.open(connection_settings(config->database));
    auto rs = runlog::PipelineInstances(config->scheduler.state_schema).latest(*session, o.limit);
    std::reverse(rs.rows.begin(), rs.rows.end());  // oldest first, newest at the bottom
    for (auto& row : rs.rows) {
      if (row[2]) row[2] = row[2]->substr(0, 19);  // whole seconds
    }
    std::cout << util::format_table({"CHAIN", "ROOT", "SLOT", "OK", "FAILED", "SKIPPED", "RUNNING",
                                     "FAILED STEP", "RUN", "ERROR"},
                                    rs.rows);
    return to_int(ExitCode::ok);
  } catch (const mysql::DbError& e) {
    std::cerr << "sqlcrond status: " << e.what() << '\n';
    return to_int(mysql::is_unreachable(e.code()) ? ExitCode::unavailable : ExitCode::failure);
  }
}

}  // namespace sqlcron::daemon
