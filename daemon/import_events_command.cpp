// sqlcrond import-events: prints the server's MySQL events as sqlcron job definitions (YAML on
// stdout, for a file in jobs.d/); with --disable, then turns the imported events off.
#include <iostream>

#include "commands.hpp"
#include "importer/event_converter.hpp"
#include "importer/event_disabler.hpp"
#include "importer/event_reader.hpp"
#include "importer/event_zone.hpp"
#include "mysql/connector.hpp"
#include "mysql/db_error.hpp"
#include "mysql/error_class.hpp"
#include "schedule/time_format.hpp"
#include "util/utf8.hpp"

namespace sqlcron::daemon {

namespace {

ExitCode db_failure(const mysql::DbError& e) {
  std::cerr << "sqlcrond import-events: " << e.what() << '\n';
  return mysql::is_unreachable(e.code()) ? ExitCode::unavailable : ExitCode::failure;
}

}  // namespace

int import_events_command(const CommandContext& ctx, const ImportEventsOptions& o) {
  const auto config = load_config_or_report(ctx.config_path);
  if (!config) return to_int(ExitCode::config);
  if (o.system_zone) {
    try {
      schedule::find_zone(*o.system_zone);
    } catch (const std::invalid_argument& e) {
      std::cerr << "sqlcrond import-events: --system-zone: " << e.what() << '\n';
      return to_int(ExitCode::usage);
    }
  }
  const mysql::Connector connector;
  std::unique_ptr<mysql::Session> session;
  importer::Conversion conversion;
  try {
    session = connector.open(connection_settings(config->database));
    importer::EventReader reader(*session);
    importer::ConversionOptions options;
    options.system_reported = reader.system_time_zone();
    options.system_zone = o.system_zone
                              ? o.system_zone
                              : importer::EventZone::system_zone_name(options.system_reported);
    options.default_schema = config->database.schema;
    const auto events = reader.read(o.schema);
    conversion = importer::EventConverter(options).convert(events);
  } catch (const mysql::DbError& e) {
    return to_int(db_failure(e));
  }
  std::cout << conversion.yaml << std::flush;
  if (conversion.events.empty()) {
    std::cerr << "sqlcrond import-events: no events"
              << (o.schema ? " in schema " + *o.schema : std::string()) << '\n';
  }
  if (!o.disable) return to_int(ExitCode::ok);

  ExitCode rc = ExitCode::ok;
  importer::EventDisabler disabler(*session);
  for (const auto& c : conversion.events) {
    // Names from the server: escaped, they cannot play tricks on the terminal.
    const std::string event = util::escape_for_message(c.schema + "." + c.name);
    if (!c.imported) {
      std::cerr << "left enabled: " << event
                << " (not imported: " << util::escape_for_message(c.reason) << ")\n";
      continue;
    }
    if (!c.enabled) {
      std::cerr << "already disabled: " << event << '\n';
      continue;
    }
    try {
      disabler.disable(c.schema, c.name);
      std::cerr << "disabled: " << event << " (now job " << c.job_name << ")\n";
    } catch (const mysql::DbError& e) {
      std::cerr << "could not disable " << event << ": " << e.what() << '\n';
      rc = mysql::is_unreachable(e.code()) ? ExitCode::unavailable : ExitCode::failure;
    }
  }
  return to_int(rc);
}

}  // namespace sqlcron::daemon
