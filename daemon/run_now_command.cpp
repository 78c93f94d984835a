// run-now: the job runs in this process (or a detached child of it without --wait), through the
// same JobRunner as the daemon: claimed with cause `manual`, recorded like any run, killed at its
// timeout; then the chain steps below it for its slot (cause chain), as the daemon runs a chain,
// unless --only (then they are recorded skipped: no daemon starts them later as a misfire). A
// final failure fires hooks and notify as in the daemon (exec::ManualPipeline). It does not need
// the daemon to be running.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <iostream>

#include "commands.hpp"
#include "config/job_graph.hpp"
#include "exec/manual_pipeline.hpp"
#include "mysql/db_error.hpp"
#include "util/utf8.hpp"

namespace sqlcron::daemon {

namespace {

constexpr int kSecondsToTry = 60;  // run-now takes the first second of these no run of the job has

// The chain steps below `job` by name, comma-separated ("" when it starts no chain).
std::string steps_below(const config::Config& config, std::size_t job) {
  std::string names;
  for (const auto d : config::JobGraph(config.jobs).descendants(job)) {
    names += (names.empty() ? "" : ", ") + config.jobs[d].name;
  }
  return names;
}

// Runs the job, then (unless `only`) the chain steps below it for the same slot, as the daemon
// would; with `only` they are recorded skipped, so that no daemon starts them later as a misfire.
// `on_claimed` gets the job's run id. Returns the exit code.
int execute(const std::shared_ptr<const config::Config>& config, std::size_t job, bool only,
            const std::function<void(std::int64_t)>& on_claimed) {
  try {
    exec::ManualRunner runner(config, connection_settings(config->database), hostname(), "run-now");
    exec::ManualPipeline pipeline(config, runner, std::cout);
    // This second, or the next one no run of the job has: a second run-now (or a scheduled or
    // watched slot) in the same second is its own slot - its own pipeline instance - and never
    // the next attempt of another one, whose chain steps would count as done already.
    auto slot = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    {
      auto lease = runner.session();
      int tried = 0;
      while (runner.log().slot_state(*lease, config->jobs[job].name, slot).attempts > 0) {
        if (++tried == kSecondsToTry) {
          std::cerr << "sqlcrond run-now: " << config->jobs[job].name << " has runs in each of the "
                    << kSecondsToTry << " seconds from now; try again shortly\n";
          return to_int(ExitCode::failure);
        }
        slot += std::chrono::seconds(1);
      }
    }
    std::int64_t chain = 0;
    const bool ok = pipeline.step(job, slot, core::RunCause::manual, chain, true, on_claimed);
    if (chain == 0 && runner.interrupted()) return to_int(ExitCode::interrupted);
    if (chain == 0) {
      std::cerr << "sqlcrond run-now: " << config->jobs[job].name
                << " already has a run for this second; try again\n";
      return to_int(ExitCode::failure);
    }
    if (!only || !ok) {  // a failure skips the steps below it, --only or not
      pipeline.downstream(job, slot, chain, core::RunCause::chain, false);
    } else {
      for (const auto d : pipeline.graph().descendants(job)) {
        pipeline.skip(d, slot, chain, "not run: run-now --only " + config->jobs[job].name);
      }
    }
    const auto& n = pipeline.totals();
    if (runner.interrupted()) return to_int(ExitCode::interrupted);
    const bool all_ok = only ? ok : n.failed == 0 && n.skipped == 0;
    return all_ok ? to_int(ExitCode::ok) : to_int(ExitCode::failure);
  } catch (const mysql::DbError& e) {
    std::cerr << "sqlcrond run-now: " << e.what() << '\n';
    return to_int(ExitCode::unavailable);
  }
}

}  // namespace

int run_now_command(const CommandContext& ctx, const RunNowOptions& o) {
  const auto config = load_config_or_report(ctx.config_path);
  if (!config) return to_int(ExitCode::config);
  std::optional<std::size_t> job;
  std::string names;
  for (std::size_t i = 0; i < config->jobs.size(); ++i) {
    if (config->jobs[i].name == o.job) job = i;
    names += (names.empty() ? "" : ", ") + config->jobs[i].name;
  }
  if (!job) {
    std::cerr << "sqlcrond run-now: no job named '" << util::escape_for_message(o.job) << "' in "
              << config->file << " (jobs: " << names << ")\n";
    return to_int(ExitCode::usage);
  }
  const auto below = steps_below(*config, *job);
  if (!below.empty()) {
    std::cout << (o.only ? "only " + o.job + " runs; its chain steps are recorded skipped: "
                         : o.job + " starts a chain; its steps follow for the same slot: ")
              << below << '\n';
  }
  if (o.wait) {
    return execute(config, *job, o.only, [&](std::int64_t id) {
      std::cout << "run " << id << " of " << o.job << " started\n" << std::flush;
    });
  }
  // Without --wait: a detached child runs it; this process reports the run id and returns.
  std::array<int, 2> fds{};
  if (::pipe(fds.data()) != 0) return to_int(ExitCode::failure);
  const pid_t child = ::fork();
  if (child < 0) return to_int(ExitCode::failure);
  if (child == 0) {
    ::close(fds[0]);
    ::setsid();
    const int rc = execute(config, *job, o.only, [&](std::int64_t id) {
      const auto text = std::to_string(id) + "\n";
      (void)!::write(fds[1], text.data(), text.size());
      ::close(fds[1]);
      fds[1] = -1;
      // The caller has what it needs; the rest of the run's output is in the run log.
      const int devnull = ::open("/dev/null", O_WRONLY);
      ::dup2(devnull, STDOUT_FILENO);
      ::dup2(devnull, STDERR_FILENO);
    });
    ::_exit(rc);
  }
  ::close(fds[1]);
  std::string id;
  char c = 0;
  while (::read(fds[0], &c, 1) == 1 && c != '\n') id += c;
  ::close(fds[0]);
  if (id.empty()) {  // the child could not claim the run: its error went to our stderr
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : to_int(ExitCode::failure);
  }
  std::cout << "run " << id << " of " << o.job << " started; see: sqlcrond --config "
            << ctx.config_path
            << (below.empty() || o.only ? " runs --job " + o.job : " runs --chain " + id) << '\n';
  return to_int(ExitCode::ok);
}

}  // namespace sqlcron::daemon
