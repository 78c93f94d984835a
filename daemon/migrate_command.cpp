#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "migrate/migration_error.hpp"
#include "migrate/migrator.hpp"
#include "mysql/connector.hpp"
#include "mysql/db_error.hpp"

#ifndef SQLCRON_MIGRATIONS_DIR
#define SQLCRON_MIGRATIONS_DIR "/usr/share/sqlcron/migrations/sqlcron"
#endif

namespace sqlcron::daemon {

namespace {

// The scheduler's own schema files, found from where the binary is.
std::string state_migrations_dir() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (auto dir = exe.parent_path(); !dir.empty() && dir != dir.root_path();
         dir = dir.parent_path()) {
      // A build tree (<repo>/build/x/daemon/sqlcrond) or an installation (<prefix>/sbin/sqlcrond).
      for (const auto& candidate :
           {dir / "migrations" / "sqlcron", dir / "share" / "sqlcron" / "migrations" / "sqlcron"}) {
        if (fs::is_directory(candidate)) return candidate.string();
      }
    }
  }
  return SQLCRON_MIGRATIONS_DIR;
}

}  // namespace

int migrate_command(const CommandContext& ctx) {
  const auto config = load_config_or_report(ctx.config_path);
  if (!config) return to_int(ExitCode::config);
  const mysql::Connector connector;
  std::unique_ptr<mysql::Session> session;
  try {
    auto settings = connection_settings(config->database);
    settings.schema.clear();  // it may not exist yet
    session = connector.open(settings);
  } catch (const mysql::DbError& e) {
    std::cerr << "sqlcrond migrate: " << e.what() << '\n';
    return to_int(ExitCode::unavailable);
  }
  migrate::Migrator migrator(*session, config->scheduler.state_schema);
  std::vector<migrate::MigrationSet> sets{
      {"sqlcron", state_migrations_dir(), config->scheduler.state_schema}};
  for (const auto& dir : config->migrations) {
    sets.push_back({std::filesystem::path(dir).filename().string(), dir, config->database.schema});
  }
  try {
    for (const auto& set : sets) {
      const auto report = migrator.apply(set);
      for (const auto& f : report.applied) {
        std::cout << "applied " << set.scope << "/" << f << " to " << set.target_schema << '\n';
      }
      std::cout << set.scope << ": " << report.applied.size() << " applied, "
                << report.unchanged.size() << " already applied (" << set.directory << " -> "
                << set.target_schema << ")\n";
    }
  } catch (const migrate::MigrationError& e) {
    std::cerr << "sqlcrond migrate: " << e.what() << '\n';
    return to_int(ExitCode::failure);
  } catch (const mysql::DbError& e) {
    std::cerr << "sqlcrond migrate: " << e.what() << '\n';
    return to_int(ExitCode::unavailable);
  }
  return to_int(ExitCode::ok);
}

}  // namespace sqlcron::daemon
