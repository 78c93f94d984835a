// The subcommands of sqlcrond, one file each. Each returns the process exit code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "command_context.hpp"

namespace sqlcron::daemon {

int serve_command(const CommandContext& ctx);
// keys: print every config key (config_keys.hpp) instead of checking the file.
int check_config_command(const CommandContext& ctx, bool keys);
int migrate_command(const CommandContext& ctx);

struct NextOptions {
  std::string schedule;
  std::string timezone = "UTC";
  std::string from;  // RFC 3339; empty = now
  int count = 5;
};
int next_command(const NextOptions& options);

struct RunsOptions {
  std::optional<std::string> job;
  std::optional<std::string> status;
  std::string since;  // see time_argument.hpp; empty = no bound
  std::string until;
  std::optional<std::int64_t> chain;  // one pipeline instance: any run id of it
  int limit = 20;
  std::string format = "table";  // table | json | csv
};
int runs_command(const CommandContext& ctx, const RunsOptions& options);

struct StatusOptions {
  bool colour = false;  // ANSI colours (on a terminal unless --no-color)
  bool chains = false;  // one line per pipeline instance instead (the latest `limit`)
  int limit = 20;
};
int status_command(const CommandContext& ctx, const StatusOptions& options);
// status --chains: the view pipeline_instances, latest instances last.
int chains_status_command(const CommandContext& ctx, const StatusOptions& options);

struct RunNowOptions {
  std::string job;
  bool wait = false;
  bool only = false;  // just the job, not the chain steps below it (recorded skipped)
};
int run_now_command(const CommandContext& ctx, const RunNowOptions& options);

struct ImportEventsOptions {
  std::optional<std::string> schema;       // nullopt = every schema
  std::optional<std::string> system_zone;  // IANA zone for events in TIME_ZONE SYSTEM
  bool disable = false;                    // ALTER EVENT ... DISABLE each imported event
};
int import_events_command(const CommandContext& ctx, const ImportEventsOptions& options);

struct BackfillOptions {
  std::string job;
  std::string from;  // see time_argument.hpp
  std::string to;
  bool chain = false;  // also run the job's chain steps for each slot
  bool force = false;  // run slots that already succeeded, too
};
int backfill_command(const CommandContext& ctx, const BackfillOptions& options);

struct ForgetFileOptions {
  std::string path;                // the file (it need not exist any more)
  std::optional<std::string> job;  // default: the load_csv jobs loading from its directory
};
// Exit 0 when something was forgotten, 1 when nothing was recorded, 64 when no load_csv job
// loads from the file's directory (or --job names none), 69 when the database cannot be reached.
int forget_file_command(const CommandContext& ctx, const ForgetFileOptions& options);
struct RerunOptions {
  std::int64_t run_id = 0;          // any run of the pipeline instance
  std::optional<std::string> from;  // the step to start at; default: its first failed step
};
int rerun_command(const CommandContext& ctx, const RerunOptions& options);

}  // namespace sqlcron::daemon
