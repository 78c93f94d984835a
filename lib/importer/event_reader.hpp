// EventReader: reads the events of a server (information_schema.EVENTS) into EventDefinitions,
// with STARTS / ENDS / EXECUTE_AT as the server shows them (in the event's time zone) and
// converted to UTC by the server (CONVERT_TZ; NULL when the server lacks the zone's tables).
// Values are bound, never spliced into the SQL.
//
// Error contract: every method throws mysql::DbError on failure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "importer/event_definition.hpp"
#include "mysql/session.hpp"

namespace sqlcron::importer {

class EventReader {
 public:
  explicit EventReader(mysql::Session& session) : session_(session) {}

  // The events of `schema`, or of every schema when nullopt, ordered by schema and name.
  [[nodiscard]] std::vector<EventDefinition> read(const std::optional<std::string>& schema);

  // @@system_time_zone: what TIME_ZONE = SYSTEM stands for (an abbreviation such as "UTC" or
  // "CET" on most servers).
  [[nodiscard]] std::string system_time_zone();

 private:
  mysql::Session& session_;
};

}  // namespace sqlcron::importer
