// Fault: the least-privilege account of docs/security.md runs a SQL SECURITY DEFINER procedure
// of another definer past its timeout. Without CONNECTION ADMIN the KILL is refused: the daemon
// says so at start (log and metric) and records what really happened - never `timed_out` for work
// that committed. With CONNECTION ADMIN the timeout is enforced (issue 13, item 7).
#include <sys/stat.h>

#include "fault/fault_support.hpp"
#include "support/http_client.hpp"

namespace {

using namespace sqlcron::test;
using namespace sqlcron::test::fault;

constexpr const char* kState = "ft_definer_state";
constexpr const char* kWork = "ft_definer_work";
constexpr const char* kPassword = "Pw-definer-test-91c2";
const std::string kRuns = std::string(kState) + ".runs";

// The least-privilege account (docs/security.md), plus `extra` grants.
void create_account(sqlcron::mysql::Session& root, const std::string& extra) {
  for (const auto* host : {"localhost", "127.0.0.1"}) {
    const std::string account = std::string("'sqlcron_def'@'") + host + "'";
    root.execute_raw("DROP USER IF EXISTS " + account);
    root.execute_raw("CREATE USER " + account + " IDENTIFIED BY '" + kPassword + "'");
    root.execute_raw(std::string("GRANT EXECUTE ON `") + kWork + "`.* TO " + account);
    root.execute_raw(std::string("GRANT SELECT, INSERT, UPDATE, DELETE ON `") + kState + "`.* TO " +
                     account);
    if (!extra.empty()) root.execute_raw("GRANT " + extra + " ON *.* TO " + account);
  }
}

struct Outcome {
  std::string status, message, committed, log, metrics;
};

// A job calling slow_commit() (root's DEFINER procedure: 6 s, then a committed insert) with a
// 2 s timeout, run by the app account with `extra` grants.
Outcome run_definer_job(const std::string& extra) {
  prepare_schemas(kState, kWork);
  auto root = connect();
  root->execute_raw(std::string("CREATE DEFINER = CURRENT_USER PROCEDURE `") + kWork +
                    "`.slow_commit() SQL SECURITY DEFINER BEGIN DO SLEEP(6);"
                    " INSERT INTO ticks VALUES (NULL, NOW(6), 'committed'); END");
  create_account(*root, extra);
  TempDir dir;
  const auto jobs = [](const std::string& schedule) {
    return "  - name: definer\n    " + schedule + "\n    call: slow_commit\n    timeout: 2s\n";
  };
  ConfigSpec admin = spec_of(kState, kWork, jobs("schedule: \"@daily\""));
  migrated(dir, admin);
  const auto pw = dir.write("db-password", std::string(kPassword) + "\n");
  ::chmod(pw.c_str(), 0600);
  auto app_db = database_yaml(test_settings(), kWork);
  app_db.replace(app_db.find("user: root"), 10, "user: sqlcron_def\n  password_file: db-password");
  ConfigSpec app = spec_of(kState, kWork, jobs(at_in(3s)));  // one run, soon
  app.database = app_db;
  app.http_listen = "127.0.0.1:0";
  const auto config = write_config(dir, app, "app.yaml");
  Daemon daemon(dir, config);
  wait_for(*root, "SELECT COUNT(*) FROM " + kRuns + " WHERE status <> 'running'", "1", 60s);
  Outcome out;
  out.status = cell(*root, "SELECT status FROM " + kRuns);
  out.message = cell(*root, "SELECT error_message FROM " + kRuns);
  out.committed =
      cell(*root, std::string("SELECT COUNT(*) FROM ") + kWork + ".ticks WHERE job = 'committed'");
  CHECK(daemon.stop() == 0);
  out.log = read_text(daemon.log);
  for (const auto* host : {"localhost", "127.0.0.1"}) {
    root->execute_raw(std::string("DROP USER 'sqlcron_def'@'") + host + "'");
  }
  return out;
}

}  // namespace

TEST_CASE("a refused KILL of a DEFINER run is said at start and recorded as what happened",
          "[fault][definer]") {
  const auto out = run_definer_job("");
  INFO(out.log);
  CHECK(out.log.find("CONNECTION ADMIN") != std::string::npos);  // said at start
  CHECK(out.committed == "1");       // the procedure was not stopped: it committed
  CHECK(out.status == "succeeded");  // and the row says so, not timed_out
  CHECK(out.message.find("could not be stopped") != std::string::npos);
  CHECK(out.message.find("1095") != std::string::npos);  // "You are not owner of thread"
}

TEST_CASE("with CONNECTION ADMIN the timeout of a DEFINER run is enforced", "[fault][definer]") {
  const auto out = run_definer_job("CONNECTION ADMIN");
  INFO(out.log);
  CHECK(out.log.find("may not kill other users' threads") == std::string::npos);
  CHECK(out.status == "timed_out");
  CHECK(out.committed == "0");
}
