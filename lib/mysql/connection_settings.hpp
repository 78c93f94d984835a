// ConnectionSettings: how to reach the server. Plain data; the password is held only in memory
// and never logged (describe() omits it).
#pragma once

#include <chrono>
#include <string>

namespace sqlcron::mysql {

struct ConnectionSettings {
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string socket;  // when set, used instead of host/port
  std::string user;
  std::string password;
  std::string schema;  // default schema of the session; may be empty
  std::chrono::seconds connect_timeout{10};
  // How long one read or write on the connection may wait for the server (zero: forever). A
  // frozen server or a partition without a reset otherwise hangs the connection for good.
  std::chrono::seconds read_timeout{0};
  std::chrono::seconds write_timeout{0};
  // TLS: "disabled", "preferred" (the client library's default), "required", "verify_ca",
  // "verify_identity"; the files are PEM paths.
  std::string tls_mode = "preferred";
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;

  // "user@host:port/schema" or "user@unix:/path/schema" - safe to log.
  [[nodiscard]] std::string describe() const;
};

}  // namespace sqlcron::mysql
