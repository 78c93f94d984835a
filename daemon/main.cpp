// sqlcrond: parse the command line, pick the subcommand, return its exit code. Nothing else.
// No exception leaves main: one that no subcommand handled is reported and exits 70.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "commands.hpp"
#include "runtime/logging.hpp"
#include "util/utf8.hpp"

namespace {

using sqlcron::daemon::ExitCode;
using sqlcron::runtime::LogFormat;

int dispatch(int argc, char** argv) {
  CLI::App app{
      "sqlcrond - runs SQL on cron-like schedules against MySQL/MariaDB and logs every run",
      "sqlcrond"};
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", std::string("sqlcrond ") + SQLCRON_VERSION);
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
  bool check_keys = false;
  check->add_flag("--keys", check_keys,
                  "print every config key with its type, default and meaning instead");
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
  runs->add_option("--since", runs_opts.since,
                   "slots at or after: an age (2h, 7d), RFC 3339, or YYYY-MM-DD[ HH:MM:SS] UTC");
  runs->add_option("--until", runs_opts.until, "slots before (same forms as --since)");
  runs->add_option("--chain", runs_opts.chain,
                   "the runs of one pipeline instance (give any run id of it), in run order");
  runs->add_option("--limit", runs_opts.limit, "at most this many (the latest)")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  runs->add_option("--format", runs_opts.format, "table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();

  sqlcron::daemon::StatusOptions status_opts;
  bool no_colour = false;
  auto* status = app.add_subcommand(
      "status", "one line per job: schedule, last run, next fire, failures in the last 24 h");
  status->add_flag("--no-color", no_colour, "never use colours (default: colours on a terminal)");
  status->add_flag("--chains", status_opts.chains,
                   "one line per pipeline instance: root, slot, steps, the failed step");
  status->add_option("--limit", status_opts.limit, "with --chains: the latest N instances")
      ->capture_default_str();

  sqlcron::daemon::RunNowOptions run_now_opts;
  auto* run_now = app.add_subcommand(
      "run-now",
      "run a job once right away (cause manual), recorded like any run, then its chain steps");
  run_now->add_option("job", run_now_opts.job, "the job's name")->required();
  run_now->add_flag("--wait", run_now_opts.wait,
                    "wait for the run to end; exit 1 if it did not succeed");
  run_now->add_flag("--only", run_now_opts.only,
                    "run just the job: its chain steps are recorded skipped for this slot");

  sqlcron::daemon::ImportEventsOptions import_opts;
  auto* import_events = app.add_subcommand(
      "import-events", "print MySQL events (information_schema.EVENTS) as YAML job definitions");
  import_events->add_option("--schema", import_opts.schema, "only events of this schema");
  import_events->add_option("--system-zone", import_opts.system_zone,
                            "IANA zone of the server, for events in time zone SYSTEM");
  import_events->add_flag("--disable", import_opts.disable,
                          "then ALTER EVENT ... DISABLE each imported event");

  sqlcron::daemon::BackfillOptions backfill_opts;
  auto* backfill =
      app.add_subcommand("backfill",
                         "run a job for every slot of its schedule in a range, oldest first (cause "
                         "manual); slots that already succeeded are skipped");
  backfill->add_option("job", backfill_opts.job, "the job's name")->required();
  backfill
      ->add_option("--from", backfill_opts.from,
                   "first slot: RFC 3339 or YYYY-MM-DD[ HH:MM:SS] UTC, or an age (7d)")
      ->required();
  backfill->add_option("--to", backfill_opts.to, "last slot (inclusive), same forms")->required();
  backfill->add_flag("--chain", backfill_opts.chain,
                     "after each slot succeeds, run the jobs chained after it for that slot");
  backfill->add_flag("--force", backfill_opts.force, "run slots that already succeeded again");

  sqlcron::daemon::ForgetFileOptions forget_opts;
  auto* forget_file = app.add_subcommand(
      "forget-file",
      "forget that a load_csv job loaded (or refused) a file, so that its next run loads it");
  forget_file->add_option("path", forget_opts.path, "the file")->required();
  forget_file->add_option("--job", forget_opts.job,
                          "the load_csv job (default: those loading from the file's directory)");
  sqlcron::daemon::RerunOptions rerun_opts;
  auto* rerun =
      app.add_subcommand("rerun",
                         "run one pipeline instance again from its failed step (or --from a step), "
                         "with its own slot; runs recorded with cause manual");
  rerun->add_option("run_id", rerun_opts.run_id, "any run id of the instance")->required();
  rerun->add_option("--from", rerun_opts.from, "the step (job) to start at, and every step below");

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

  if (*check) return sqlcron::daemon::check_config_command(ctx, check_keys);
  if (*migrate) return sqlcron::daemon::migrate_command(ctx);
  if (*next) return sqlcron::daemon::next_command(next_opts);
  if (*runs) return sqlcron::daemon::runs_command(ctx, runs_opts);
  if (*status) {
    status_opts.colour = !no_colour && ::isatty(STDOUT_FILENO) != 0;
    return status_opts.chains ? sqlcron::daemon::chains_status_command(ctx, status_opts)
                              : sqlcron::daemon::status_command(ctx, status_opts);
  }
  if (*run_now) return sqlcron::daemon::run_now_command(ctx, run_now_opts);
  if (*import_events) return sqlcron::daemon::import_events_command(ctx, import_opts);
  if (*backfill) return sqlcron::daemon::backfill_command(ctx, backfill_opts);
  if (*forget_file) return sqlcron::daemon::forget_file_command(ctx, forget_opts);
  if (*rerun) return sqlcron::daemon::rerun_command(ctx, rerun_opts);
  (void)serve;
  return sqlcron::daemon::serve_command(ctx);
}

void report_internal_error(const std::string& what) {
  std::cerr << "sqlcrond: internal error: " << sqlcron::util::escape_for_message(what)
            << "; exiting with " << sqlcron::daemon::to_int(ExitCode::software) << '\n';
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return dispatch(argc, argv);
  } catch (const std::exception& e) {
    report_internal_error(e.what());
  } catch (...) {
    report_internal_error("an exception of unknown type");
  }
  return sqlcron::daemon::to_int(ExitCode::software);
}
