// sqlcrond: parse the command line, pick the subcommand, return its exit code. Nothing else.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "commands.hpp"
#include "runtime/logging.hpp"

namespace {

using sqlcron::daemon::ExitCode;
using sqlcron::runtime::LogFormat;

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "sqlcrond - runs SQL on cron-like schedules against MySQL/MariaDB and logs every run",
      "sqlcrond"};
  app.require_subcommand(0, 1);
  sqlcron::daemon::CommandContext ctx;
  std::string log_format = "auto";
  bool verbose = false;
  app.add_option("-c,--config", ctx.config_path, "configuration file")->capture_default_str();
  app.add_option("--log-format", log_format, "auto, text, journal or json")
      ->check(CLI::IsMember({"auto", "text", "journal", "json"}))
      ->capture_default_str();
  app.add_flag("-v,--verbose", verbose, "debug logging");

  auto* serve = app.add_subcommand("serve", "run the scheduler (the default)");
  auto* check = app.add_subcommand("check-config", "validate the configuration and exit");
  auto* migrate = app.add_subcommand("migrate", "apply the state schema and workload migrations");

  sqlcron::daemon::NextOptions next_opts;
  auto* next = app.add_subcommand("next", "print the next fire times of a schedule");
  next->add_option("--schedule", next_opts.schedule, "schedule expression")->required();
  next->add_option("--tz", next_opts.timezone, "IANA time zone")->capture_default_str();
  next->add_option("--from", next_opts.from, "start instant, RFC 3339 (default: now)");
  next->add_option("--count", next_opts.count, "how many")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();

  sqlcron::daemon::RunsOptions runs_opts;
  auto* runs = app.add_subcommand("runs", "show the latest runs from the run log");
  runs->add_option("--job", runs_opts.job, "only this job");
  runs->add_option("--status", runs_opts.status, "only this status")
      ->check(CLI::IsMember(
          {"running", "succeeded", "failed", "timed_out", "skipped", "abandoned", "cancelled"}));
  runs->add_option("--limit", runs_opts.limit, "at most this many")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : sqlcron::daemon::to_int(ExitCode::usage);
  }

  const LogFormat format = log_format == "text"      ? LogFormat::text
                           : log_format == "journal" ? LogFormat::journal
                           : log_format == "json"    ? LogFormat::json
                                                     : LogFormat::automatic;
  const char* journal = std::getenv("JOURNAL_STREAM");
  sqlcron::runtime::configure_logging(format, journal != nullptr ? journal : "", verbose);

  if (*check) return sqlcron::daemon::check_config_command(ctx);
  if (*migrate) return sqlcron::daemon::migrate_command(ctx);
  if (*next) return sqlcron::daemon::next_command(next_opts);
  if (*runs) return sqlcron::daemon::runs_command(ctx, runs_opts);
  (void)serve;
  return sqlcron::daemon::serve_command(ctx);
}
