// rerun: runs one pipeline instance again - named by any of its run ids - from its first step
// that did not succeed (or from --from STEP), with the instance's own slot: the step and every
// step below it, in order, each once its upstream jobs succeeded for the slot, recorded with
// cause manual and tied to the instance (chain_run_id). Any root kind (schedule, watch, a
// run-now) works: the slot is read from the root run. A final failure fires hooks and notify as
// in the daemon (exec::ManualPipeline). Exit 0 when every step run succeeded, 1 otherwise, 64 for
// a bad request (unknown run, a step not in the instance), 69 when the database is unreachable.
#include <date/date.h>

#include <iostream>

#include "commands.hpp"
#include "config/job_graph.hpp"
#include "exec/manual_pipeline.hpp"
#include "mysql/connector.hpp"
#include "mysql/db_error.hpp"
#include "mysql/error_class.hpp"
#include "runlog/instance_lookup.hpp"
#include "runlog/run_log.hpp"
#include "util/utf8.hpp"

namespace sqlcron::daemon {

namespace {

int fail(const std::string& message, ExitCode code) {
  std::cerr << "sqlcrond rerun: " << message << '\n';
  return to_int(code);
}

}  // namespace

int rerun_command(const CommandContext& ctx, const RerunOptions& o) {
  const auto config = load_config_or_report(ctx.config_path);
  if (!config) return to_int(ExitCode::config);
  try {
    std::optional<runlog::InstanceRoot> root;
    std::optional<runlog::RunningStep> busy;
    {
      const mysql::Connector connector;
      const auto session = connector.open(connection_settings(config->database));
      const runlog::InstanceLookup lookup(config->scheduler.state_schema);
      root = lookup.find(*session, o.run_id);
      if (root) busy = lookup.running(*session, root->instance);
    }
    if (!root) return fail("no run " + std::to_string(o.run_id), ExitCode::usage);
    if (busy) {
      // Rerunning now would run that step (and the steps below it) a second time, beside it.
      return fail("instance " + std::to_string(root->instance) + " is still running: run " +
                      std::to_string(busy->run_id) + " of " + busy->job + " on " +
                      util::escape_for_message(busy->instance) +
                      "; rerun it once that run has ended (a run of a stopped or killed "
                      "process ends `abandoned` when a daemon sweeps it)",
                  ExitCode::tempfail);
    }
    const config::JobGraph graph(config->jobs);
    const auto root_job = graph.index(root->job);
    if (!root_job) {
      return fail("run " + std::to_string(o.run_id) + " belongs to an instance of " + root->job +
                      ", which is not in " + config->file,
                  ExitCode::usage);
    }
    std::vector<std::size_t> steps{*root_job};
    for (const auto d : graph.descendants(*root_job)) steps.push_back(d);
    std::string names;
    for (const auto s : steps) names += (names.empty() ? "" : ", ") + config->jobs[s].name;

    exec::ManualRunner runner(config, connection_settings(config->database), hostname(), "rerun");
    std::optional<std::size_t> from;
    if (o.from) {
      for (const auto s : steps) {
        if (config->jobs[s].name == *o.from) from = s;
      }
      if (!from) {
        return fail("'" + util::escape_for_message(*o.from) + "' is no step of instance " +
                        std::to_string(root->instance) + " (steps: " + names + ")",
                    ExitCode::usage);
      }
    } else {
      auto lease = runner.session();
      for (const auto s : steps) {
        if (!runner.log().slot_state(*lease, config->jobs[s].name, root->slot).succeeded_run) {
          from = s;
          break;
        }
      }
    }
    const auto slot_text = date::format("%F %T", root->slot);
    if (!from) {
      std::cout << "instance " << root->instance << " (" << root->job << ", slot " << slot_text
                << " UTC): every step succeeded; nothing to rerun (--from STEP runs steps again)\n";
      return to_int(ExitCode::ok);
    }
    std::cout << "instance " << root->instance << " (" << root->job << ", slot " << slot_text
              << " UTC): rerun from " << config->jobs[*from].name << '\n';
    exec::ManualPipeline pipeline(config, runner, std::cout);
    std::int64_t chain = root->instance;
    pipeline.step(*from, root->slot, core::RunCause::manual, chain, true);
    pipeline.downstream(*from, root->slot, chain, core::RunCause::manual, true);
    const auto& n = pipeline.totals();
    std::cout << n.ran << " runs (" << n.succeeded << " succeeded, " << n.failed << " failed), "
              << n.skipped + n.idle << " skipped; see: sqlcrond --config " << ctx.config_path
              << " runs --chain " << root->instance << '\n';
    if (n.idle > 0) {
      // As in the daemon: a load that found nothing new does not run the steps below, so the
      // instance is not recovered (a refused file stays refused until it is forgotten).
      std::cout << "the load brought nothing new, so the steps below it did not run; to load a "
                   "refused file as it is: sqlcrond forget-file PATH, then rerun again\n";
    }
    if (runner.interrupted()) {
      std::cout << "interrupted: run `sqlcrond rerun " << root->instance << "` to go on\n";
      return to_int(ExitCode::interrupted);
    }
    return n.failed == 0 && n.skipped == 0 && n.idle == 0 ? to_int(ExitCode::ok)
                                                          : to_int(ExitCode::failure);
  } catch (const mysql::DbError& e) {
    return fail(e.what(),
                mysql::is_unreachable(e.code()) ? ExitCode::unavailable : ExitCode::failure);
  }
}

}  // namespace sqlcron::daemon
