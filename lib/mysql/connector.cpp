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
  if (s.read_timeout.count() > 0) {
    opts["OPT_READ_TIMEOUT"] = static_cast<int>(s.read_timeout.count());
  }
  if (s.write_timeout.count() > 0) {
    opts["OPT_WRITE_TIMEOUT"] = static_cast<int>(s.write_timeout.count());
  }
  opts["CLIENT_MULTI_RESULTS"] = true;
  // TLS. This Connector/C++ (1.1 over libmariadb) has no ssl-mode option: "required" is
  // sslEnforce, and verification is sslVerify, which checks the chain *and* the host name, so
  // verify_ca is as strict as verify_identity here.
  if (s.tls_mode != "disabled") {
    if (!s.tls_ca.empty()) opts["sslCA"] = sql::SQLString(s.tls_ca);
    if (!s.tls_cert.empty()) opts["sslCert"] = sql::SQLString(s.tls_cert);
    if (!s.tls_key.empty()) opts["sslKey"] = sql::SQLString(s.tls_key);
    if (s.tls_mode != "preferred") opts["sslEnforce"] = true;
    if (s.tls_mode == "verify_ca" || s.tls_mode == "verify_identity") opts["sslVerify"] = true;
  }
  try {
    std::unique_ptr<sql::Connection> con(as_driver(driver_)->connect(opts));
    con->setAutoCommit(true);
    auto session = std::make_unique<ConnectorSession>(std::move(con));
    if (s.tls_mode != "disabled" && s.tls_mode != "preferred") {
      // libmariadb's sslEnforce may fall back to plain text; the server says what it is.
      const auto rs = session->query("SHOW SESSION STATUS LIKE 'Ssl_cipher'", {});
      if (rs.rows.empty() || rs.rows[0].at(1).value_or("").empty()) {
        throw DbError(2026, "HY000",
                      "cannot connect to " + s.describe() + ": TLS mode " + s.tls_mode +
                          " but the connection is not encrypted (the server has no TLS, or this "
                          "is a Unix socket)");
      }
    }
    return session;
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
