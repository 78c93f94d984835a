#include "importer/event_disabler.hpp"

namespace sqlcron::importer {

void EventDisabler::disable(const std::string& schema, const std::string& event) {
  session_.execute_raw("ALTER EVENT " + mysql::quote_identifier(schema) + "." +
                       mysql::quote_identifier(event) + " DISABLE");
}

}  // namespace sqlcron::importer
