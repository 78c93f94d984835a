// EventDisabler: turns events off once sqlcron jobs have taken them over (ALTER EVENT ...
// DISABLE), so nothing fires twice. Names are backtick-quoted, never spliced raw.
//
// Error contract: disable() throws mysql::DbError on failure (e.g. 1044/1142 without the
// EVENT privilege, 1290 on a read-only server).
#pragma once

#include <string>

#include "mysql/session.hpp"

namespace sqlcron::importer {

class EventDisabler {
 public:
  explicit EventDisabler(mysql::Session& session) : session_(session) {}

  void disable(const std::string& schema, const std::string& event);

 private:
  mysql::Session& session_;
};

}  // namespace sqlcron::importer
