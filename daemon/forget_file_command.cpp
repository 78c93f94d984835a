// forget-file: an operator's way to load a file again. Deletes what a load_csv job remembers of
// the file's content - its loaded_files row (loaded before) or its rejected_files row (refused)
// - so that the job's next run loads it. Rows it loaded before stay in the table: remove them
// first if the file is to replace them.
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "exec/csv_loader.hpp"
#include "mysql/connector.hpp"
#include "mysql/db_error.hpp"
#include "mysql/error_class.hpp"
#include "util/utf8.hpp"

namespace sqlcron::daemon {

namespace fs = std::filesystem;

namespace {

// An absolute, normal directory path without a trailing '/'.
std::string directory_key(const fs::path& dir) {
  auto p = fs::absolute(dir).lexically_normal();
  if (!p.has_filename() && p.has_parent_path()) p = p.parent_path();
  return p.string();
}

}  // namespace

int forget_file_command(const CommandContext& ctx, const ForgetFileOptions& o) {
  const auto config = load_config_or_report(ctx.config_path);
  if (!config) return to_int(ExitCode::config);
  if (o.path.empty()) {  // an unset shell variable: forget-file "$F"
    std::cerr << "sqlcrond forget-file: the path is empty; give the file's path\n";
    return to_int(ExitCode::usage);
  }
  std::error_code ec;
  const auto path = fs::absolute(o.path, ec).lexically_normal();
  if (ec) {
    std::cerr << "sqlcrond forget-file: " << util::escape_for_message(o.path) << ": "
              << ec.message() << '\n';
    return to_int(ExitCode::usage);
  }
  const auto dir = directory_key(path.parent_path());
  std::vector<std::string> jobs;
  for (const auto& j : config->jobs) {
    if (!j.load_csv) continue;
    if (o.job ? j.name == *o.job : directory_key(j.load_csv->dir) == dir) jobs.push_back(j.name);
  }
  if (jobs.empty()) {
    std::cerr << "sqlcrond forget-file: "
              << (o.job ? "no load_csv job named '" + util::escape_for_message(*o.job) + "'"
                        : "no load_csv job loads from " + util::escape_for_message(dir) +
                              " (name it with --job)")
              << " in " << config->file << '\n';
    return to_int(ExitCode::usage);
  }
  try {
    const mysql::Connector connector;
    const auto session = connector.open(connection_settings(config->database));
    bool any = false;
    for (const auto& job : jobs) {
      const auto r =
          exec::CsvLoader::forget(*session, config->scheduler.state_schema, job, path.string());
      if (r.same_name > 1) {
        // The file is gone and several contents were loaded under its name (a daily
        // "orders.csv"): forgetting them all would let every one load twice.
        std::cerr << "sqlcrond forget-file: job " << job << " has " << r.same_name
                  << " records of different contents named "
                  << util::escape_for_message(path.filename().string())
                  << " and the file is not there to say which; put the file back (or a copy) "
                     "at that path and run this again\n";
        return to_int(ExitCode::usage);
      }
      if (r.loaded + r.rejected == 0) continue;
      any = true;
      std::cout << "job " << job << ": forgot " << util::escape_for_message(path.string())
                << (r.loaded > 0 ? " (loaded before)" : "")
                << (r.rejected > 0 ? " (refused before)" : "") << "; its next run loads it\n";
    }
    if (!any) {
      std::cerr << "sqlcrond forget-file: no load of " << util::escape_for_message(path.string())
                << " is recorded (job " << jobs.front() << (jobs.size() > 1 ? ", ..." : "")
                << ")\n";
      return to_int(ExitCode::failure);
    }
    return to_int(ExitCode::ok);
  } catch (const mysql::DbError& e) {
    std::cerr << "sqlcrond forget-file: " << e.what() << '\n';
    return to_int(mysql::is_unreachable(e.code()) ? ExitCode::unavailable : ExitCode::failure);
  } catch (const std::exception& e) {  // the file cannot be read
    std::cerr << "sqlcrond forget-file: " << e.what() << '\n';
    return to_int(ExitCode::failure);
  }
}

}  // namespace sqlcron::daemon
