#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "migrate/embedded_migrations.hpp"
#include "migrate/migration_error.hpp"
#include "migrate/migrator.hpp"
#include "mysql/connector.hpp"
#include "mysql/db_error.hpp"

namespace sqlcron::daemon {

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
  const auto print = [](const migrate::MigrationSet& set, const migrate::MigrationReport& report) {
    for (const auto& f : report.applied) {
      const bool again =
          std::find(report.reapplied.begin(), report.reapplied.end(), f) != report.reapplied.end();
      std::cout << (again ? "applied again (changed, repeatable) " : "applied ") << set.scope << "/"
                << f << " to " << set.target_schema << '\n';
    }
    std::cout << set.scope << ": " << report.applied.size() << " applied, "
              << report.unchanged.size() << " already applied (" << set.directory << " -> "
              << set.target_schema << ")\n";
  };
  try {
    // The state schema is built into the binary; workload sets are read from their directories.
    const migrate::MigrationSet state{"sqlcron", "(built in) migrations/sqlcron",
                                      config->scheduler.state_schema};
    print(state, migrator.apply(state, migrate::embedded_state_migrations()));
    for (const auto& dir : config->migrations) {
      const migrate::MigrationSet set{std::filesystem::path(dir).filename().string(), dir,
                                      config->database.schema};
      print(set, migrator.apply(set));
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
