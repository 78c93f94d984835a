// TLS against real servers: a sandbox of this test's own that speaks TLS (certificates from a
// throwaway CA), and the plain test server.
#include <catch2/catch.hpp>

#include "mysql/connector.hpp"
#include "mysql/db_error.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

namespace {

std::string cipher(sqlcron::mysql::Session& s) {
  return s.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'").rows.at(0).at(1).value_or("");
}

}  // namespace

TEST_CASE(
    "TLS modes: required and verify_identity encrypt, disabled does not, required "
    "fails against a server without TLS",
    "[mysql][tls]") {
  sqlcron::test::TempDir dir;
  const auto sandbox = (dir.path() / "db").string();
  const auto script = sqlcron::test::source_path("scripts/mysql-sandbox");
  ::setenv("SQLCRON_SANDBOX_TLS", "1", 1);
  const auto started = sqlcron::test::run({script, "start", sandbox});
  ::unsetenv("SQLCRON_SANDBOX_TLS");
  INFO(started.output);
  REQUIRE(started.exit_code == 0);
  struct StopAtEnd {
    std::string script, dir;
    ~StopAtEnd() { sqlcron::test::run({script, "stop", dir}); }
  } stop{script, sandbox};

  sqlcron::mysql::ConnectionSettings s;
  s.host = "127.0.0.1";
  s.port = std::stoi(sqlcron::test::read_text(sandbox + "/port"));
  s.user = "root";
  s.tls_ca = sandbox + "/tls/ca.pem";
  const sqlcron::mysql::Connector connector;

  s.tls_mode = "required";
  CHECK_FALSE(cipher(*connector.open(s)).empty());
  s.tls_mode = "verify_identity";
  CHECK_FALSE(cipher(*connector.open(s)).empty());
  s.tls_mode = "disabled";
  CHECK(cipher(*connector.open(s)).empty());

  // A CA that did not sign the server's certificate: verification must fail.
  const auto other_ca = (dir.path() / "other-ca.pem").string();
  REQUIRE(sqlcron::test::run({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                              "-days", "1", "-subj", "/CN=other", "-keyout",
                              (dir.path() / "other-key.pem").string(), "-out", other_ca})
              .exit_code == 0);
  s.tls_mode = "verify_identity";
  s.tls_ca = other_ca;
  CHECK_THROWS_AS(connector.open(s), sqlcron::mysql::DbError);

  // The plain test server over TCP: required must refuse rather than fall back to plain text.
  auto plain = sqlcron::test::test_settings();
  plain.socket.clear();
  plain.host = "127.0.0.1";
  plain.tls_mode = "required";
  CHECK_THROWS_AS(connector.open(plain), sqlcron::mysql::DbError);
}
