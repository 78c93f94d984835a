// run-now: the job runs in this process (or a detached child of it without --wait), through the
// same JobRunner as the daemon: claimed with cause `manual`, recorded like any run, killed at its
// timeout. It does not need the daemon to be running.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <iostream>

#include "commands.hpp"
#include "exec/manual_runner.hpp"
#include "mysql/db_error.hpp"
#include "util/utf8.hpp"

namespace sqlcron::daemon {

namespace {

// Runs the job; `on_claimed` gets the run id. Returns the exit code.
int execute(const std::shared_ptr<const config::Config>& config, std::size_t job,
            const std::function<void(std::int64_t)>& on_claimed) {
  try {
    exec::ManualRunner runner(config, connection_settings(config->database), hostname(), "run-now");
    exec::RunRequest request;
    request.config = config;
    request.job = job;
    request.scheduled_for =
        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    request.cause = core::RunCause::manual;
    const auto report = runner.run(request, on_claimed);
    if (!report.claimed) {
      std::cerr << "sqlcrond run-now: " << config->jobs[job].name
                << " already has a run for this second; try again\n";
      return to_int(ExitCode::failure);
    }
    const auto& o = report.outcome;
    std::cout << "run " << report.run_id << " " << core::to_string(o.status) << " in "
              << static_cast<double>(o.duration.count()) / 1000.0 << " ms";
    if (o.error_code != 0) {
      std::cout << ": error " << o.error_code << " (" << o.sql_state << "): " << o.error_message;
    }
    std::cout << '\n';
    return o.status == core::RunStatus::succeeded ? to_int(ExitCode::ok)
                                                  : to_int(ExitCode::failure);
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
  if (o.wait) {
    return execute(config, *job, [&](std::int64_t id) {
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
    const int rc = execute(config, *job, [&](std::int64_t id) {
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
            << ctx.config_path << " runs --job " << o.job << '\n';
  return to_int(ExitCode::ok);
}

}  // namespace sqlcron::daemon
