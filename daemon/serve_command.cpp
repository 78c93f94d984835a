#include <malloc.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <optional>

#include "commands.hpp"
#include "http/listen_check.hpp"
#include "interval_anchors.hpp"
#include "mysql/connection_pool.hpp"
#include "mysql/connector.hpp"
#include "mysql/db_error.hpp"
#include "runlog/instance_registry.hpp"
#include "runlog/reload_anchors.hpp"
#include "runlog/run_log.hpp"
#include "runtime/serve.hpp"
#include "runtime/systemd_notifier.hpp"
#include "state_dir_claim.hpp"

namespace sqlcron::daemon {

namespace {

// Loading a large config allocates a YAML tree and file text several times the size of the
// result; once they are freed, hand the pages back to the system instead of keeping them for the
// life of the daemon.
void return_freed_memory() { malloc_trim(0); }

// How much longer than the longest job timeout a job connection waits for the server.
constexpr std::chrono::seconds kJobReadTimeoutMargin{10};

// glibc raises its mmap threshold each time a large block is freed, so after the config's big
// buffers come and go, later big blocks land in the heap, and a thread arena's free top is never
// given back (malloc_trim does not shrink it). Fixed thresholds keep blocks of 256 KiB and more
// in their own mappings (returned on free) and trim any arena whose free top passes 1 MiB.
void fix_malloc_thresholds() {
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
}

bool state_schema_ready(mysql::Session& s, const std::string& schema) {
  const auto rs = s.query(
      "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN "
      "('runs', 'jobs', 'instances', 'leases', 'anchors')",
      {schema});
  return rs.rows.at(0).at(0).value_or("0") == "5";
}

// Job connections get a read timeout beyond every job's timeout: a KILL cannot reach a frozen
// server (or one behind a partition without RST), and without it such a run's worker would wait
// forever. None when a job has no timeout (its run may legitimately take any time).
mysql::ConnectionSettings job_settings(mysql::ConnectionSettings settings,
                                       const config::Config& config) {
  std::chrono::milliseconds longest{0};
  for (const auto& job : config.jobs) {
    if (!job.timeout) return settings;
    longest = std::max(longest, *job.timeout);
  }
  settings.read_timeout = std::chrono::ceil<std::chrono::seconds>(longest) + kJobReadTimeoutMargin;
  settings.write_timeout = settings.read_timeout;
  return settings;
}

}  // namespace

int serve_command(const CommandContext& ctx) {
  // Start-up order: config -> state_dir lock -> http.listen -> database -> schema version ->
  // anchors -> instance -> recover -> schedule.
  fix_malloc_thresholds();
  auto loaded = read_config_or_report(ctx.config_path);
  if (!loaded) return to_int(ExitCode::config);
  return_freed_memory();
  const mysql::Connector connector;
  const auto settings = connection_settings(loaded->database);
  const auto host = hostname();
  const auto started = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  const std::string instance =
      host + ":" + std::to_string(getpid()) + ":" + std::to_string(started);
  std::optional<runlog::StateDirLock> state_dir;  // held for the daemon's life
  if (const auto refused =
          claim_state_dir(loaded->scheduler.state_dir, host, instance, state_dir)) {
    return to_int(*refused);
  }
  // Before anything is recorded in the database: a daemon that cannot serve /metrics and
  // /healthz where configured does not start (and leaves no instance row behind).
  if (loaded->http.enabled) {
    if (auto problem = http::listen_problem(loaded->http.address, loaded->http.port)) {
      spdlog::error("http.listen: {}", *problem);
      return to_int(ExitCode::cannot_listen);
    }
  }
  try {
    const auto session = connector.open(settings);
    const auto& state = loaded->scheduler.state_schema;
    if (!state_schema_ready(*session, state)) {
      spdlog::error(
          "the state schema `{}` is not set up or not up to date; run: sqlcrond --config {} "
          "migrate",
          state, ctx.config_path);
      return to_int(ExitCode::failure);
    }
    // Before the first plan: interval jobs count from their first definition, as stored.
    claim_anchors(*loaded, *session, state, instance);
    const runlog::InstanceRegistry registry(state, instance);
    registry.register_self(*session, host, getpid(), SQLCRON_VERSION);
    // EPERM: alive, another user's (an operator's backfill beside the service user's daemon);
    // only ESRCH says the process is gone.
    registry.mark_dead_local(*session, host,
                             [](int pid) { return ::kill(pid, 0) == 0 || errno != ESRCH; });
    // Their open runs are abandoned (and retried where attempts remain) by the first health
    // check, as soon as the loop runs.
  } catch (const mysql::DbError& e) {
    spdlog::error("database unavailable: {}", e.what());
    return to_int(ExitCode::unavailable);
  }
  std::shared_ptr<const config::Config> config =
      std::make_shared<const config::Config>(std::move(*loaded));
  loaded.reset();
  spdlog::info("sqlcrond {} starting as {} with {} ({} jobs)", SQLCRON_VERSION, instance,
               settings.describe(), config->jobs.size());

  mysql::ConnectionPool pool(connector, job_settings(settings, *config),
                             config->database.pool_size);
  const runtime::SystemdNotifier notifier;
  runtime::DaemonOptions options;
  options.instance = instance;
  options.heartbeat_interval = config->scheduler.heartbeat_interval;
  // A reload keeps the anchors of unchanged interval schedules and stores new ones, and gives
  // job connections a read timeout beyond the new longest job timeout.
  auto anchor_settings = settings;  // a frozen server must not hold a reload for long
  anchor_settings.read_timeout = std::chrono::seconds(5);
  anchor_settings.write_timeout = std::chrono::seconds(5);
  options.reload =
      [path = ctx.config_path, &pool, &settings,
       anchors = std::make_shared<runlog::ReloadAnchors>(
           connector, anchor_settings, config->scheduler.state_schema, instance, config)] {
        auto reloaded = anchors->apply(read_config(path));
        const auto timeouts = job_settings(settings, *reloaded);
        pool.set_io_timeouts(timeouts.read_timeout, timeouts.write_timeout);
        return_freed_memory();
        return reloaded;
      };
  options.notify = [&notifier](const std::string& state) { notifier.notify(state); };
  options.watchdog_interval = notifier.watchdog_interval();
  const auto state_schema = config->scheduler.state_schema;
  try {
    if (runtime::serve(connector, pool, std::move(config), std::move(options)) ==
        runtime::ServeEnd::runs_hung) {
      // Runs did not end after being killed (a frozen server): their threads are not waited
      // for.
      spdlog::shutdown();
      std::_Exit(to_int(ExitCode::failure));
    }
  } catch (const std::exception& e) {
    // E.g. the HTTP port was taken after listen_problem() looked. Say this instance is gone,
    // rather than leave its row to look alive until its heartbeat is missed.
    spdlog::critical("sqlcrond cannot go on: {}", e.what());
    try {
      runlog::InstanceRegistry(state_schema, instance).mark_stopped(*connector.open(settings));
    } catch (const mysql::DbError& db) {
      spdlog::warn("could not mark instance {} stopped: {}", instance, db.what());
    }
    return to_int(ExitCode::software);
  }
  return to_int(ExitCode::ok);
}

}  // namespace sqlcron::daemon
