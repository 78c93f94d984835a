// The daemon runs as an account with only the privileges docs/security.md lists, and its password
// shows up in neither its log nor its command line.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <csignal>

#include "mysql/connector.hpp"
#include "support/system_harness.hpp"
#include "support/test_database.hpp"

using namespace std::chrono_literals;
using sqlcron::test::count;
using sqlcron::test::read_text;
using sqlcron::test::sqlcrond;
using sqlcron::test::TempDir;

namespace {

constexpr const char* kState = "st_priv_state";
constexpr const char* kWork = "st_priv_work";
constexpr const char* kPassword = "Pw-for-the-sqlcron-app-7f3a";

}  // namespace

TEST_CASE("sqlcrond works with the least-privilege account of docs/security.md",
          "[system][security]") {
  sqlcron::test::prepare_schemas(kState, kWork);
  auto root = sqlcron::test::connect();
  for (const auto* host : {"localhost", "127.0.0.1"}) {
    const std::string account = std::string("'sqlcron_app'@'") + host + "'";
    root->execute_raw("DROP USER IF EXISTS " + account);
    root->execute_raw("CREATE USER " + account + " IDENTIFIED BY '" + kPassword + "'");
    // Exactly the GRANTs of docs/security.md.
    root->execute_raw(std::string("GRANT EXECUTE ON `") + kWork + "`.* TO " + account);
    root->execute_raw(std::string("GRANT SELECT, INSERT, UPDATE, DELETE ON `") + kState +
                      "`.* TO " + account);
  }
  TempDir dir;
  const std::string jobs =
      "  - name: tick\n    schedule: \"* * * * * *\"\n    call: tick\n"
      "    args: [\"{scheduled_for}\"]\n";
  // Migrations need DDL: they run with the administrator's account.
  const auto admin = write_config(dir, {kState, kWork, jobs, "10s", "", ""}, "admin.yaml");
  REQUIRE(sqlcrond({"--config", admin, "migrate"}).exit_code == 0);

  const auto pw = dir.write("db-password", std::string(kPassword) + "\n");
  ::chmod(pw.c_str(), 0600);
  auto app_db = sqlcron::test::database_yaml(sqlcron::test::test_settings(), kWork);
  app_db.replace(app_db.find("user: root"), 10, "user: sqlcron_app\n  password_file: db-password");
  const auto config = write_config(dir, {kState, kWork, jobs, "10s", "", app_db}, "app.yaml");

  const auto log = (dir.path() / "serve.log").string();
  sqlcron::test::Process serve(sqlcron::test::serve_argv(config), log);
  sqlcron::test::wait_for(
      *root,
      std::string("SELECT COUNT(*) >= 3 FROM ") + kState + ".runs WHERE status = 'succeeded'", "1",
      20s);
  const auto cmdline =
      read_text("/proc/" + std::to_string(serve.pid()) + "/cmdline");  // argv, NUL-separated
  serve.signal(SIGTERM);
  REQUIRE(serve.wait(20s) == 0);
  const auto output = read_text(log);
  INFO(output);
  CHECK(output.find(kPassword) == std::string::npos);
  CHECK(cmdline.find(kPassword) == std::string::npos);
  CHECK(count(*root, std::string("SELECT COUNT(*) FROM ") + kState +
                         ".runs WHERE status NOT IN ('succeeded')") == 0);
  CHECK(count(*root, std::string("SELECT COUNT(*) FROM ") + kState +
                         ".instances WHERE stopped_at IS NOT NULL") == 1);
  // And the account really is that small: no DDL on the state schema.
  sqlcron::mysql::ConnectionSettings app = sqlcron::test::test_settings(kState);
  app.user = "sqlcron_app";
  app.password = kPassword;
  const sqlcron::mysql::Connector connector;
  CHECK_THROWS(connector.open(app)->execute_raw("DROP TABLE runs"));
  for (const auto* host : {"localhost", "127.0.0.1"}) {
    root->execute_raw(std::string("DROP USER 'sqlcron_app'@'") + host + "'");
  }
}
