// backfill: runs a job for every slot of its schedule in [--from, --to], oldest first, in this
// process (the daemon need not run), through the same JobRunner as the daemon. Slots that already
// succeeded are skipped unless --force; a new run of a slot takes the next attempt number, so
// the run log keeps every earlier attempt. With --chain the job's chain steps run after it for
// each slot (cause chain, tied to the slot's root run), each once all its upstream jobs have
// succeeded for that slot; the steps below a failure are recorded as skipped, and so are those
// below a load that brought nothing new (`no new data`, as in the daemon; not with --force,
// which re-runs them). A final failure fires the job's failure hooks and notify command, as in
// the daemon (exec::ManualPipeline).
#include <date/date.h>

#include <iostream>

#include "commands.hpp"
#include "config/job_graph.hpp"
#include "exec/manual_pipeline.hpp"
#include "interval_anchors.hpp"
#include "mysql/connector.hpp"
#include "mysql/db_error.hpp"
#include "mysql/error_class.hpp"
#include "time_argument.hpp"
#include "util/utf8.hpp"

namespace sqlcron::daemon {

namespace {

constexpr std::size_t kMaxSlots = 100000;

std::string when(schedule::Instant t) { return date::format("%F %T", t); }

}  // namespace

int backfill_command(const CommandContext& ctx, const BackfillOptions& o) {
  auto loaded = read_config_or_report(ctx.config_path);
  if (!loaded) return to_int(ExitCode::config);
  std::optional<std::size_t> job;
  {
    const config::JobGraph graph(loaded->jobs);
    job = graph.index(o.job);
    if (!job) {
      std::cerr << "sqlcrond backfill: no job named '" << util::escape_for_message(o.job) << "' in "
                << loaded->file << '\n';
      return to_int(ExitCode::usage);
    }
    const auto& j = loaded->jobs[*job];
    if (!j.schedule) {
      std::string roots;  // the scheduled roots it runs below: backfill works for them
      for (const auto r : graph.roots(*job)) {
        if (r != *job && loaded->jobs[r].schedule) {
          roots += (roots.empty() ? "" : ", ") + loaded->jobs[r].name;
        }
      }
      std::cerr << "sqlcrond backfill: " << o.job << " has no schedule (" << j.trigger() << ")"
                << (roots.empty() ? "" : "; backfill its root job with --chain: " + roots)
                << "; to run a pipeline instance again (a watched directory's too): `sqlcrond "
                   "status --chains` shows its run ids, `sqlcrond rerun RUN_ID [--from STEP]` "
                   "runs it\n";
      return to_int(ExitCode::usage);
    }
  }
  schedule::Instant from{};
  schedule::Instant to{};
  try {
    const auto now = std::chrono::system_clock::now();
    from = std::chrono::floor<std::chrono::seconds>(parse_time_argument(o.from, now));
    to = std::chrono::floor<std::chrono::seconds>(parse_time_argument(o.to, now));
  } catch (const std::invalid_argument& e) {
    std::cerr << "sqlcrond backfill: " << e.what() << '\n';
    return to_int(ExitCode::usage);
  }
  if (to < from) {
    std::cerr << "sqlcrond backfill: --to " << when(to) << " is before --from " << when(from)
              << '\n';
    return to_int(ExitCode::usage);
  }
  try {
    // The daemon's grid: an interval job counts from its stored anchor (read, never written).
    const mysql::Connector connector;
    read_anchors(*loaded, *connector.open(connection_settings(loaded->database)),
                 loaded->scheduler.state_schema);
  } catch (const mysql::DbError& e) {
    std::cerr << "sqlcrond backfill: " << e.what() << '\n';
    return to_int(mysql::is_unreachable(e.code()) ? ExitCode::unavailable : ExitCode::failure);
  }
  const auto config = std::make_shared<const config::Config>(std::move(*loaded));
  loaded.reset();
  const auto& j = config->jobs[*job];
  std::vector<schedule::Instant> slots;
  for (auto t = j.schedule->next_after(from - std::chrono::seconds(1)); t && *t <= to;
       t = j.schedule->next_after(*t)) {
    if (slots.size() == kMaxSlots) {
      std::cerr << "sqlcrond backfill: more than " << kMaxSlots
                << " slots in the range; backfill a shorter one\n";
      return to_int(ExitCode::usage);
    }
    slots.push_back(*t);
  }
  if (slots.empty()) {
    std::cout << o.job << " has no slot between " << when(from) << " and " << when(to) << " UTC";
    if (const auto anchor = j.schedule->anchor(); anchor && *anchor > from) {
      std::cout << " (its schedule counts from its first definition, " << when(*anchor) << " UTC)";
    }
    std::cout << '\n';
    return to_int(ExitCode::ok);
  }
  try {
    exec::ManualRunner runner(config, connection_settings(config->database), hostname(),
                              "backfill");
    exec::ManualPipeline pipeline(config, runner, std::cout);
    if (o.force) pipeline.run_below_empty_loads();
    for (const auto t : slots) {
      if (runner.interrupted()) break;  // the slots after it are left for another backfill
      std::int64_t chain = 0;
      pipeline.step(*job, t, core::RunCause::manual, chain, o.force);
      if (o.chain) pipeline.downstream(*job, t, chain, core::RunCause::chain, o.force);
    }
    const auto& n = pipeline.totals();
    std::cout << slots.size() << " slots: " << n.ran << " runs (" << n.succeeded << " succeeded, "
              << n.failed << " failed), " << n.already << " already succeeded, " << n.skipped
              << " skipped";
    if (n.idle > 0) std::cout << ", " << n.idle << " skipped: no new data";
    if (n.running > 0) std::cout << ", " << n.running << " running elsewhere (not started again)";
    std::cout << '\n';
    if (runner.interrupted()) {
      std::cout << "interrupted: the slots not started are left (run the same backfill again)\n";
      return to_int(ExitCode::interrupted);
    }
    return n.failed == 0 && n.skipped == 0 && n.running == 0 ? to_int(ExitCode::ok)
                                                             : to_int(ExitCode::failure);
  } catch (const mysql::DbError& e) {
    std::cerr << "sqlcrond backfill: " << e.what() << '\n';
    return to_int(mysql::is_unreachable(e.code()) ? ExitCode::unavailable : ExitCode::failure);
  }
}

}  // namespace sqlcron::daemon
