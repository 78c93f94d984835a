// EventDefinition: one row of information_schema.EVENTS, as the server shows it. Times are
// 'YYYY-MM-DD HH:MM:SS' text in the event's own time zone (TIME_ZONE), as MySQL and MariaDB
// display STARTS, ENDS and EXECUTE_AT there; the *_utc fields hold the same instants in UTC
// (CONVERT_TZ), for zones that have no IANA name.
#pragma once

#include <optional>
#include <string>

namespace sqlcron::importer {

struct EventDefinition {
  std::string schema;                     // EVENT_SCHEMA
  std::string name;                       // EVENT_NAME
  std::string time_zone = "SYSTEM";       // TIME_ZONE: an IANA name, an offset '+05:30', or SYSTEM
  std::string definition;                 // EVENT_DEFINITION: the body after DO
  std::string sql_mode;                   // SQL_MODE the body was parsed with
  std::optional<std::string> execute_at;  // ONE TIME events
  std::optional<std::string> interval_value;  // RECURRING events: 1, or '1 12' for DAY_HOUR
  std::optional<std::string> interval_field;  // DAY, DAY_HOUR, ...
  std::optional<std::string> starts;
  std::optional<std::string> ends;
  std::optional<std::string> execute_at_utc;
  std::optional<std::string> starts_utc;
  std::optional<std::string> ends_utc;
  std::string status = "ENABLED";  // ENABLED, DISABLED or SLAVESIDE_DISABLED
  bool preserve = false;           // ON COMPLETION PRESERVE
  std::string comment;             // EVENT_COMMENT

  [[nodiscard]] bool recurring() const { return interval_field.has_value(); }
};

}  // namespace sqlcron::importer
