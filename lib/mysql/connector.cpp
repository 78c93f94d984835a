#include "mysql/connector.hpp"

#include <cppconn/exception.h>
#include <mysql_driver.h>

#include "mysql/connector_session.hpp"
#include "mysql/db_error.hpp"

namespace sqlcron::mysql {

namespace {

sql::mysql::MySQL_Driver* as_driver(void* p) { return static_cast<sql::mysql::MySQL_Driver*>(p); }

}  // namespace

Connector::Connector() : driver_(sql::mysql::get_mysql_driver_instance()) {}

std::unique_ptr<Session> Connector::open(const ConnectionSettings& s) const {
  sql::ConnectOptionsMap opts;
  if (!s.socket.empty()) {
    opts["hostName"] = sql::SQLString("unix://" + s.socket);
  } else {
    opts["hostName"] = sql::SQLString("tcp://" + s.host + ":" + std::to_string(s.port));
  }
  opts["userName"] = sql::SQLString(s.user);
  opts["password"] = sql::SQLString(s.password);
  if (!s.schema.empty()) opts["schema"] = sql::SQLString(s.schema);
  opts["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  opts["OPT_CONNECT_TIMEOUT"] = static_cast<int>(s.connect_timeout.count());
  opts["OPT_RECONNECT"] = false;
  opts["CLIENT_MULTI_RESULTS"] = true;
  try {
    std::unique_ptr<sql::Connection> con(as_driver(driver_)->connect(opts));
    con->setAutoCommit(true);
    return std::make_unique<ConnectorSession>(std::move(con));
  } catch (const sql::SQLException& e) {
    throw DbError(e.getErrorCode(), e.getSQLState(),
                  "cannot connect to " + s.describe() + ": " + e.what());
  }
}

Connector::ThreadScope::ThreadScope(const Connector& connector) : driver_(connector.driver_) {
  as_driver(driver_)->threadInit();
}

Connector::ThreadScope::~ThreadScope() { as_driver(driver_)->threadEnd(); }

}  // namespace sqlcron::mysql
