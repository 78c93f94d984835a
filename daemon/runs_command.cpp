#include <algorithm>
#include <iostream>

#include "commands.hpp"
#include "mysql/connector.hpp"
#include "mysql/db_error.hpp"
#include "runlog/run_log.hpp"

namespace sqlcron::daemon {

namespace {

// Prints rows as an aligned table; long error messages are cut to keep one line per run.
void print_table(const mysql::ResultSet& rs) {
  constexpr std::size_t kMaxCell = 60;
  std::vector<std::size_t> width(rs.columns.size());
  const auto cell = [](const mysql::Cell& c) {
    std::string s = c.value_or("-");
    std::replace(s.begin(), s.end(), '\n', ' ');
    if (s.size() > kMaxCell) s = s.substr(0, kMaxCell - 3) + "...";
    return s;
  };
  for (std::size_t i = 0; i < rs.columns.size(); ++i) width[i] = rs.columns[i].size();
  for (const auto& row : rs.rows) {
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], cell(row[i]).size());
  }
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      out += cells[i];
      if (i + 1 < cells.size()) out += std::string(width[i] - cells[i].size() + 2, ' ');
    }
    std::cout << out << '\n';
  };
  line(rs.columns);
  for (const auto& row : rs.rows) {
    std::vector<std::string> cells;
    cells.reserve(row.size());
    for (const auto& c : row) cells.push_back(cell(c));
    line(cells);
  }
}

}  // namespace

int runs_command(const CommandContext& ctx, const RunsOptions& o) {
  const auto config = load_config_or_report(ctx.config_path);
  if (!config) return to_int(ExitCode::config);
  try {
    const mysql::Connector connector;
    const auto session = connector.open(connection_settings(config->database));
    runlog::RunFilter filter{o.job, o.status, o.limit};
    auto rs = runlog::RunLog(config->scheduler.state_schema).list(*session, filter);
    std::reverse(rs.rows.begin(), rs.rows.end());  // oldest first, newest at the bottom
    print_table(rs);
    return to_int(ExitCode::ok);
  } catch (const mysql::DbError& e) {
    std::cerr << "sqlcrond runs: " << e.what() << '\n';
    return to_int(e.code() >= 2000 ? ExitCode::unavailable : ExitCode::failure);
  }
}

}  // namespace sqlcron::daemon
