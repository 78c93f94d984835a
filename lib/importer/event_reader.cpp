#include "importer/event_reader.hpp"

namespace sqlcron::importer {
namespace {

constexpr const char* kSelect =
    "SELECT EVENT_SCHEMA, EVENT_NAME, TIME_ZONE, EVENT_DEFINITION, SQL_MODE, "
    "DATE_FORMAT(EXECUTE_AT, '%Y-%m-%d %H:%i:%s'), INTERVAL_VALUE, INTERVAL_FIELD, "
    "DATE_FORMAT(STARTS, '%Y-%m-%d %H:%i:%s'), DATE_FORMAT(ENDS, '%Y-%m-%d %H:%i:%s'), "
    "DATE_FORMAT(CONVERT_TZ(EXECUTE_AT, TIME_ZONE, '+00:00'), '%Y-%m-%d %H:%i:%s'), "
    "DATE_FORMAT(CONVERT_TZ(STARTS, TIME_ZONE, '+00:00'), '%Y-%m-%d %H:%i:%s'), "
    "DATE_FORMAT(CONVERT_TZ(ENDS, TIME_ZONE, '+00:00'), '%Y-%m-%d %H:%i:%s'), "
    "STATUS, ON_COMPLETION, EVENT_COMMENT "
    "FROM information_schema.EVENTS ";

}  // namespace

std::vector<EventDefinition> EventReader::read(const std::optional<std::string>& schema) {
  std::string sql = kSelect;
  std::vector<mysql::Value> params;
  if (schema) {
    sql += "WHERE EVENT_SCHEMA = ? ";
    params.emplace_back(*schema);
  }
  sql += "ORDER BY EVENT_SCHEMA, EVENT_NAME";
  const auto rs = session_.query(sql, params);
  std::vector<EventDefinition> events;
  events.reserve(rs.rows.size());
  for (const auto& row : rs.rows) {
    EventDefinition e;
    e.schema = row.at(0).value_or("");
    e.name = row.at(1).value_or("");
    e.time_zone = row.at(2).value_or("SYSTEM");
    e.definition = row.at(3).value_or("");
    e.sql_mode = row.at(4).value_or("");
    e.execute_at = row.at(5);
    e.interval_value = row.at(6);
    e.interval_field = row.at(7);
    e.starts = row.at(8);
    e.ends = row.at(9);
    e.execute_at_utc = row.at(10);
    e.starts_utc = row.at(11);
    e.ends_utc = row.at(12);
    e.status = row.at(13).value_or("ENABLED");
    e.preserve = row.at(14).value_or("") == "PRESERVE";
    e.comment = row.at(15).value_or("");
    events.push_back(std::move(e));
  }
  return events;
}

std::string EventReader::system_time_zone() {
  const auto rs = session_.query("SELECT @@system_time_zone");
  return rs.rows.empty() ? "" : rs.rows.front().at(0).value_or("");
}

}  // namespace sqlcron::importer
