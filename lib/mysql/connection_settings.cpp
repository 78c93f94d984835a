#include "mysql/connection_settings.hpp"

namespace sqlcron::mysql {

std::string ConnectionSettings::describe() const {
  std::string where = socket.empty() ? host + ":" + std::to_string(port) : "unix:" + socket;
  return user + "@" + where + (schema.empty() ? "" : "/" + schema);
}

}  // namespace sqlcron::mysql
