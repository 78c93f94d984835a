#include <date/date.h>

#include <functional>
#include <iostream>
#include <map>

#include "commands.hpp"
#include "config/job_graph.hpp"
#include "interval_anchors.hpp"
#include "mysql/connector.hpp"
#include "mysql/db_error.hpp"
#include "mysql/error_class.hpp"
#include "runlog/run_log.hpp"
#include "schedule/time_format.hpp"

namespace sqlcron::daemon {

namespace {

const char* colour_of(const std::string& status) {
  if (status == "succeeded") return "\033[32m";
  if (status == "running" || status == "skipped") return "\033[33m";
  if (status == "-") return "";
  return "\033[31m";
}

}  // namespace

int status_command(const CommandContext& ctx, const StatusOptions& o) {
  auto config = read_config_or_report(ctx.config_path);
  if (!config) return to_int(ExitCode::config);
  std::map<std::string, runlog::JobSummary> history;
  try {
    const mysql::Connector connector;
    const auto session = connector.open(connection_settings(config->database));
    for (auto& s : runlog::RunLog(config->scheduler.state_schema).summaries(*session)) {
      history.emplace(s.job, std::move(s));
    }
    try {
      read_anchors(*config, *session, config->scheduler.state_schema);
    } catch (const mysql::DbError& e) {
      // A state schema from before the anchors table: interval jobs are shown counting from now.
      std::cerr << "sqlcrond status: cannot read interval anchors (run migrate): " << e.what()
                << '\n';
    }
  } catch (const mysql::DbError& e) {
    std::cerr << "sqlcrond status: " << e.what() << '\n';
    return to_int(mysql::is_unreachable(e.code()) ? ExitCode::unavailable : ExitCode::failure);
  }
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const std::vector<std::string> header{"JOB",      "SCHEDULE",  "ZONE",
                                        "ENABLED",  "LAST",      "LAST RUN (UTC)",
                                        "DURATION", "NEXT FIRE", "FAILS/24H"};
  std::vector<std::vector<std::string>> rows;
  const auto add_row = [&](const config::JobConfig& job, int depth) {
    const auto it = history.find(job.name);
    const bool ran = it != history.end();
    std::string next = "-";
    if (job.enabled && job.schedule) {
      if (const auto t = job.schedule->next_after(now)) {
        next = schedule::format_rfc3339(*t, job.schedule->zone());
      }
    }
    const auto name =
        depth == 0 ? job.name
                   : std::string(2 * static_cast<std::size_t>(depth), ' ') + "`- " + job.name;
    rows.push_back({name, job.trigger(), job.timezone, job.enabled ? "yes" : "no",
                    ran ? it->second.last_status : "-",
                    ran ? it->second.last_started_at.substr(0, 19) : "-",
                    ran && it->second.last_duration_ms ? *it->second.last_duration_ms + " ms" : "-",
                    next, ran ? std::to_string(it->second.failures_24h) : "0"});
  };
  // Chains are shown as trees: each step indented under the job it runs after (under the first
  // one shown, when it has several).
  const config::JobGraph graph(config->jobs);
  std::vector<char> shown(config->jobs.size(), 0);
  const std::function<void(std::size_t, int)> show = [&](std::size_t j, int depth) {
    if (shown[j] != 0) return;
    shown[j] = 1;
    add_row(config->jobs[j], depth);
    for (const auto d : graph.downstream(j)) show(d, depth + 1);
  };
  for (std::size_t j = 0; j < config->jobs.size(); ++j) {
    if (graph.upstream(j).empty()) show(j, 0);
  }
  std::vector<std::size_t> width(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  const auto print = [&](const std::vector<std::string>& r, bool is_header) {
    for (std::size_t i = 0; i < r.size(); ++i) {
      const char* colour = "";
      if (o.colour && is_header) colour = "\033[1m";
      if (o.colour && !is_header && i == 4) colour = colour_of(r[i]);
      if (o.colour && !is_header && i == 8 && r[i] != "0") colour = "\033[31m";
      std::cout << colour << r[i] << (*colour != '\0' ? "\033[0m" : "");
      if (i + 1 < r.size()) std::cout << std::string(width[i] - r[i].size() + 2, ' ');
    }
    std::cout << '\n';
  };
  print(header, true);
  for (const auto& r : rows) print(r, false);
  return to_int(ExitCode::ok);
}

}  // namespace sqlcron::daemon
