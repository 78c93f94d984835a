// /metrics and /healthz of the running daemon: Prometheus text that promtool accepts, with the
// runs that really happened; health 200 while the database answers.
#include <catch2/catch.hpp>
#include <csignal>
#include <regex>

#include "support/http_client.hpp"
#include "support/system_harness.hpp"
#include "support/test_database.hpp"

using namespace std::chrono_literals;
using sqlcron::test::read_text;
using sqlcron::test::TempDir;

TEST_CASE("the daemon serves /metrics that promtool accepts and /healthz", "[system][metrics]") {
  sqlcron::test::prepare_schemas("st_metrics_state", "st_metrics_work");
  TempDir dir;
  sqlcron::test::ConfigSpec spec{"st_metrics_state",
                                 "st_metrics_work",
                                 "  - name: tick\n    schedule: \"* * * * * *\"\n"
                                 "    call: tick\n    args: [\"{scheduled_for}\"]\n",
                                 "10s",
                                 "",
                                 ""};
  spec.http_listen = "127.0.0.1:0";
  const auto config = write_config(dir, spec);
  REQUIRE(sqlcron::test::sqlcrond({"--config", config, "migrate"}).exit_code == 0);
  const auto log = (dir.path() / "serve.log").string();
  sqlcron::test::Process serve(sqlcron::test::serve_argv(config), log);
  sqlcron::test::wait_for_log(log, "serving /metrics and /healthz on http://127.0.0.1:", 20s);
  std::smatch m;
  const auto text = read_text(log);
  REQUIRE(std::regex_search(text, m, std::regex("http://127\\.0\\.0\\.1:([0-9]+)")));
  const auto port = static_cast<unsigned short>(std::stoi(m[1]));
  auto db = sqlcron::test::connect();
  sqlcron::test::wait_for(*db,
                          "SELECT COUNT(*) >= 3 FROM st_metrics_state.runs WHERE status = "
                          "'succeeded'",
                          "1", 20s);

  const auto metrics = sqlcron::test::http_get(port, "/metrics");
  CHECK(metrics.status == 200);
  CHECK_THAT(metrics.headers, Catch::Contains("text/plain; version=0.0.4"));
  REQUIRE(std::regex_search(metrics.body, m,
                            std::regex("sqlcron_runs_total\\{job=\"tick\",status=\"succeeded\"\\} "
                                       "([0-9]+)")));
  CHECK(std::stoi(m[1]) >= 3);
  CHECK_THAT(metrics.body,
             Catch::Contains("sqlcron_database_up 1") &&
                 Catch::Contains("sqlcron_fire_lag_seconds_bucket") &&
                 Catch::Contains("sqlcron_next_fire_timestamp_seconds{job=\"tick\"}"));
  const auto file = dir.write("metrics.txt", metrics.body);
  const auto promtool =
      sqlcron::test::run({"/bin/sh", "-c", "/usr/bin/promtool check metrics < " + file});
  INFO(promtool.output);
  CHECK(promtool.exit_code == 0);

  const auto health = sqlcron::test::http_get(port, "/healthz");
  CHECK(health.status == 200);
  CHECK_THAT(health.body, Catch::Contains("\"status\":\"ok\""));
  CHECK(sqlcron::test::http_get(port, "/nope").status == 404);

  serve.signal(SIGTERM);
  REQUIRE(serve.wait(20s) == 0);
  WARN("sample of /metrics:\n" << metrics.body.substr(0, 1500));
}
