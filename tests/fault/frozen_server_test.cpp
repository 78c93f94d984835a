// Fault: the server is frozen (SIGSTOP: connections stay open, nothing answers - as a network
// partition without RST). /healthz must say so within seconds and the daemon must recover when
// it thaws (issue 13, item 10).
#include "fault/fault_support.hpp"
#include "mysql/connector.hpp"
#include "support/http_client.hpp"

namespace {

using namespace sqlcron::test;
using namespace sqlcron::test::fault;

}  // namespace

TEST_CASE("a frozen server turns /healthz 503 within seconds, and firing resumes after",
          "[fault][freeze]") {
  TempDir dir;
  PrivateServer server(dir);
  const sqlcron::mysql::Connector connector;
  {
    auto s = connector.open(server.settings());
    s->execute_raw("CREATE DATABASE work");
    s->execute_raw("CREATE TABLE work.ticks (slot DATETIME PRIMARY KEY, at DATETIME(6))");
    s->execute_raw(
        "CREATE PROCEDURE work.tick(IN p_slot DATETIME) INSERT INTO work.ticks VALUES (p_slot,"
        " NOW(6))");
  }
  ConfigSpec s = spec_of("state", "work",
                         "  - name: tick\n    schedule: \"* * * * * *\"\n    call: tick\n"
                         "    args: [\"{scheduled_for}\"]\n    timeout: 3s\n");
  s.database = database_yaml(server.settings(), "work");
  s.http_listen = "127.0.0.1:0";
  const auto config = migrated(dir, s);
  Daemon daemon(dir, config);
  const auto port = http_port(daemon.log);
  const auto db = [&] { return connector.open(server.settings()); };
  wait_for(*db(), "SELECT COUNT(*) >= 2 FROM state.runs WHERE status = 'succeeded'", "1", 20s);
  REQUIRE(http_get(port, "/healthz").status == 200);

  server.signal(SIGSTOP);
  const auto frozen_at = std::chrono::steady_clock::now();
  int status = 200;
  std::string body;
  while (status == 200 && std::chrono::steady_clock::now() - frozen_at < 15s) {
    std::this_thread::sleep_for(100ms);
    const auto health = http_get(port, "/healthz");
    status = health.status;
    body = health.body;
  }
  const auto noticed = std::chrono::steady_clock::now() - frozen_at;
  CHECK(status == 503);
  CHECK(noticed < 8s);
  CHECK(body.find("has not answered") != std::string::npos);  // /healthz says why
  WARN("freeze noticed by /healthz after "
       << std::chrono::duration_cast<std::chrono::milliseconds>(noticed).count() << " ms");
  std::this_thread::sleep_for(5s);
  server.signal(SIGCONT);
  const auto thawed_at = std::chrono::system_clock::now();
  // Firing resumes: runs that started after the thaw succeed.
  const auto after = date::format("%F %T", std::chrono::floor<std::chrono::seconds>(thawed_at));
  wait_for(*db(),
           "SELECT COUNT(*) >= 2 FROM state.runs WHERE status = 'succeeded' AND started_at > '" +
               after + "'",
           "1", 30s);
  const auto back = std::chrono::steady_clock::now();
  while (http_get(port, "/healthz").status != 200 &&
         std::chrono::steady_clock::now() - back < 10s) {
    std::this_thread::sleep_for(100ms);
  }
  CHECK(http_get(port, "/healthz").status == 200);
  CHECK(daemon.stop() == 0);
  // No run is left `running` once the daemon has stopped.
  CHECK(cell(*db(), "SELECT COUNT(*) FROM state.runs WHERE status = 'running'") == "0");
}
