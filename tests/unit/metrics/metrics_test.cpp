#include "metrics/metrics.hpp"

#include <sys/wait.h>

#include <array>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.hpp"

using namespace std::chrono_literals;
using sqlcron::metrics::Metrics;

namespace {

std::chrono::duration<double> secs(double s) { return std::chrono::duration<double>(s); }

std::chrono::system_clock::time_point unix_time(std::chrono::duration<double> since_epoch) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(since_epoch));
}

// Runs `command` through the shell; returns its exit status and what it wrote (stdout + stderr).
std::pair<int, std::string> run(const std::string& command) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  std::array<char, 4096> buf{};
  while (const std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) {
    output.append(buf.data(), n);
  }
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

// Every kind of update, for several jobs, as a day of a small installation might leave it.
void realistic_day(Metrics& m) {
  const auto t0 = unix_time(1'780'000'000s);
  const std::vector<std::pair<std::string, std::string>> runs{
      {"purge_sessions", "succeeded"}, {"purge_sessions", "succeeded"},
      {"purge_sessions", "failed"},    {"nightly_rollup", "succeeded"},
      {"nightly_rollup", "timed_out"}, {"refresh_stats", "succeeded"},
      {"refresh_stats", "skipped"},    {"refresh_stats", "abandoned"},
      {"refresh_stats", "cancelled"},  {R"(report "weekly" \ eu)", "succeeded"}};
  double lag = 0.0004;
  double duration = 0.003;
  for (const auto& [job, status] : runs) {
    m.run_started(job, secs(lag));
    m.run_finished(job, status, secs(duration));
    lag *= 2.7;
    duration *= 7.3;
    if (status == "succeeded") m.set_last_success(job, t0 + 1234567us);
    m.set_next_fire(job, t0 + 1h);
  }
  m.set_next_fire("refresh_stats", std::nullopt);
  m.set_running(2);
  m.set_database_up(true);
  m.config_reloaded(true);
  m.config_reloaded(false);
  m.set_spooled(0);
}

}  // namespace

TEST_CASE("metrics: a fresh instance renders only the daemon-wide series", "[metrics]") {
  const Metrics m;
  CHECK(m.render() ==
        "# HELP sqlcron_fire_lag_seconds Delay from a slot's scheduled instant to its run's "
        "start.\n"
        "# TYPE sqlcron_fire_lag_seconds histogram\n"
        "sqlcron_fire_lag_seconds_bucket{le=\"0.0005\"} 0\n"
        "sqlcron_fire_lag_seconds_bucket{le=\"0.001\"} 0\n"
        "sqlcron_fire_lag_seconds_bucket{le=\"0.0025\"} 0\n"
        "sqlcron_fire_lag_seconds_bucket{le=\"0.005\"} 0\n"
        "sqlcron_fire_lag_seconds_bucket{le=\"0.01\"} 0\n"
        "sqlcron_fire_lag_seconds_bucket{le=\"0.025\"} 0\n"
        "sqlcron_fire_lag_seconds_bucket{le=\"0.05\"} 0\n"
        "sqlcron_fire_lag_seconds_bucket{le=\"0.1\"} 0\n"
        "sqlcron_fire_lag_seconds_bucket{le=\"0.25\"} 0\n"
        "sqlcron_fire_lag_seconds_bucket{le=\"0.5\"} 0\n"
        "sqlcron_fire_lag_seconds_bucket{le=\"1\"} 0\n"
        "sqlcron_fire_lag_seconds_bucket{le=\"2.5\"} 0\n"
        "sqlcron_fire_lag_seconds_bucket{le=\"+Inf\"} 0\n"
        "sqlcron_fire_lag_seconds_sum 0\n"
        "sqlcron_fire_lag_seconds_count 0\n"
        "# HELP sqlcron_running_runs Runs in progress.\n"
        "# TYPE sqlcron_running_runs gauge\n"
        "sqlcron_running_runs 0\n"
        "# HELP sqlcron_database_up Whether the database is reachable (1) or not (0), as last "
        "checked.\n"
        "# TYPE sqlcron_database_up gauge\n"
        "sqlcron_database_up 0\n"
        "# HELP sqlcron_config_reloads_total Configuration reloads, by result.\n"
        "# TYPE sqlcron_config_reloads_total counter\n"
        "sqlcron_config_reloads_total{result=\"success\"} 0\n"
        "sqlcron_config_reloads_total{result=\"failure\"} 0\n"
        "# HELP sqlcron_spooled_records Run results waiting in the spool to be written to the "
        "database.\n"
        "# TYPE sqlcron_spooled_records gauge\n"
        "sqlcron_spooled_records 0\n"
        "# HELP sqlcron_results_lost_total Run results that neither the run log nor the spool "
        "could take (each logged; their rows stay running until finished by hand).\n"
        "# TYPE sqlcron_results_lost_total counter\n"
        "sqlcron_results_lost_total 0\n"
        "# HELP sqlcron_kill_privilege Whether the account may kill any thread (CONNECTION ADMIN), "
        "needed to enforce timeouts of SQL SECURITY DEFINER procedures (1) or not (0).\n"
        "# TYPE sqlcron_kill_privilege gauge\n"
        "sqlcron_kill_privilege 1\n"
        "# HELP sqlcron_kill_failures_total KILLs for timeouts or shutdown that the server refused "
        "or never got.\n"
        "# TYPE sqlcron_kill_failures_total counter\n"
        "sqlcron_kill_failures_total 0\n");
}

TEST_CASE("metrics: counters, cumulative buckets, gauges and escaping render exactly",
          "[metrics]") {
  Metrics m;
  const std::string odd = R"(we"ird\job)";
  // Binary fractions, so sums print exactly. 0.25 and 0.5 sit on bucket bounds (le is <=).
  m.run_started("nightly", secs(0.00390625));
  m.run_started(odd, 250ms);
  m.run_finished("nightly", "succeeded", 500ms);
  m.run_finished("nightly", "failed", 2s);
  m.run_finished(odd, "succeeded", 4000s);
  m.set_last_success("nightly", unix_time(1'780'000'000.5s));
  m.set_next_fire("nightly", unix_time(1'780'003'600s));
  m.set_next_fire(odd, unix_time(1'780'000'060s));
  m.set_next_fire(odd, std::nullopt);  // will not fire again
  m.set_next_fire("dropped", unix_time(1'780'000'060s));
  m.forget_job("dropped");
  m.set_running(2);
  m.set_database_up(true);
  m.config_reloaded(true);
  m.config_reloaded(true);
  m.config_reloaded(false);
  m.set_spooled(3);
  m.set_results_lost(2);
  m.set_kill_privilege(false);
  m.kill_failed();
  m.kill_failed();

  CHECK(m.render() ==
        "# HELP sqlcron_runs_total Runs that ended, by job and final status.\n"
        "# TYPE sqlcron_runs_total counter\n"
        "sqlcron_runs_total{job=\"nightly\",status=\"failed\"} 1\n"
        "sqlcron_runs_total{job=\"nightly\",status=\"succeeded\"} 1\n"
        "sqlcron_runs_total{job=\"we\\\"ird\\\\job\",status=\"succeeded\"} 1\n"
        "# HELP sqlcron_run_duration_seconds Duration of runs that ended.\n"
        "# TYPE sqlcron_run_duration_seconds histogram\n"
        "sqlcron_run_duration_seconds_bucket{job=\"nightly\",le=\"0.01\"} 0\n"
        "sqlcron_run_duration_seconds_bucket{job=\"nightly\",le=\"0.05\"} 0\n"
        "sqlcron_run_duration_seconds_bucket{job=\"nightly\",le=\"0.1\"} 0\n"
        "sqlcron_run_duration_seconds_bucket{job=\"nightly\",le=\"0.5\"} 1\n"
        "sqlcron_run_duration_seconds_bucket{job=\"nightly\",le=\"1\"} 1\n"
        "sqlcron_run_duration_seconds_bucket{job=\"nightly\",le=\"5\"} 2\n"
        "sqlcron_run_duration_seconds_bucket{job=\"nightly\",le=\"10\"} 2\n"
        "sqlcron_run_duration_seconds_bucket{job=\"nightly\",le=\"30\"} 2\n"
        "sqlcron_run_duration_seconds_bucket{job=\"nightly\",le=\"60\"} 2\n"
        "sqlcron_run_duration_seconds_bucket{job=\"nightly\",le=\"300\"} 2\n"
        "sqlcron_run_duration_seconds_bucket{job=\"nightly\",le=\"900\"} 2\n"
        "sqlcron_run_duration_seconds_bucket{job=\"nightly\",le=\"3600\"} 2\n"
        "sqlcron_run_duration_seconds_bucket{job=\"nightly\",le=\"+Inf\"} 2\n"
        "sqlcron_run_duration_seconds_sum{job=\"nightly\"} 2.5\n"
        "sqlcron_run_duration_seconds_count{job=\"nightly\"} 2\n"
        "sqlcron_run_duration_seconds_bucket{job=\"we\\\"ird\\\\job\",le=\"0.01\"} 0\n"
        "sqlcron_run_duration_seconds_bucket{job=\"we\\\"ird\\\\job\",le=\"0.05\"} 0\n"
        "sqlcron_run_duration_seconds_bucket{job=\"we\\\"ird\\\\job\",le=\"0.1\"} 0\n"
        "sqlcron_run_duration_seconds_bucket{job=\"we\\\"ird\\\\job\",le=\"0.5\"} 0\n"
        "sqlcron_run_duration_seconds_bucket{job=\"we\\\"ird\\\\job\",le=\"1\"} 0\n"
        "sqlcron_run_duration_seconds_bucket{job=\"we\\\"ird\\\\job\",le=\"5\"} 0\n"
        "sqlcron_run_duration_seconds_bucket{job=\"we\\\"ird\\\\job\",le=\"10\"} 0\n"
        "sqlcron_run_duration_seconds_bucket{job=\"we\\\"ird\\\\job\",le=\"30\"} 0\n"
        "sqlcron_run_duration_seconds_bucket{job=\"we\\\"ird\\\\job\",le=\"60\"} 0\n"
        "sqlcron_run_duration_seconds_bucket{job=\"we\\\"ird\\\\job\",le=\"300\"} 0\n"
        "sqlcron_run_duration_seconds_bucket{job=\"we\\\"ird\\\\job\",le=\"900\"} 0\n"
        "sqlcron_run_duration_seconds_bucket{job=\"we\\\"ird\\\\job\",le=\"3600\"} 0\n"
        "sqlcron_run_duration_seconds_bucket{job=\"we\\\"ird\\\\job\",le=\"+Inf\"} 1\n"
        "sqlcron_run_duration_seconds_sum{job=\"we\\\"ird\\\\job\"} 4000\n"
        "sqlcron_run_duration_seconds_count{job=\"we\\\"ird\\\\job\"} 1\n"
        "# HELP sqlcron_fire_lag_seconds Delay from a slot's scheduled instant to its run's "
        "start.\n"
        "# TYPE sqlcron_fire_lag_seconds histogram\n"
        "sqlcron_fire_lag_seconds_bucket{le=\"0.0005\"} 0\n"
        "sqlcron_fire_lag_seconds_bucket{le=\"0.001\"} 0\n"
        "sqlcron_fire_lag_seconds_bucket{le=\"0.0025\"} 0\n"
        "sqlcron_fire_lag_seconds_bucket{le=\"0.005\"} 1\n"
        "sqlcron_fire_lag_seconds_bucket{le=\"0.01\"} 1\n"
        "sqlcron_fire_lag_seconds_bucket{le=\"0.025\"} 1\n"
        "sqlcron_fire_lag_seconds_bucket{le=\"0.05\"} 1\n"
        "sqlcron_fire_lag_seconds_bucket{le=\"0.1\"} 1\n"
        "sqlcron_fire_lag_seconds_bucket{le=\"0.25\"} 2\n"
        "sqlcron_fire_lag_seconds_bucket{le=\"0.5\"} 2\n"
        "sqlcron_fire_lag_seconds_bucket{le=\"1\"} 2\n"
        "sqlcron_fire_lag_seconds_bucket{le=\"2.5\"} 2\n"
        "sqlcron_fire_lag_seconds_bucket{le=\"+Inf\"} 2\n"
        "sqlcron_fire_lag_seconds_sum 0.25390625\n"
        "sqlcron_fire_lag_seconds_count 2\n"
        "# HELP sqlcron_last_success_timestamp_seconds Unix time at which the job's last "
        "succeeded run ended.\n"
        "# TYPE sqlcron_last_success_timestamp_seconds gauge\n"
        "sqlcron_last_success_timestamp_seconds{job=\"nightly\"} 1780000000.5\n"
        "# HELP sqlcron_next_fire_timestamp_seconds Unix time of the job's next scheduled slot.\n"
        "# TYPE sqlcron_next_fire_timestamp_seconds gauge\n"
        "sqlcron_next_fire_timestamp_seconds{job=\"nightly\"} 1780003600\n"
        "# HELP sqlcron_running_runs Runs in progress.\n"
        "# TYPE sqlcron_running_runs gauge\n"
        "sqlcron_running_runs 2\n"
        "# HELP sqlcron_database_up Whether the database is reachable (1) or not (0), as last "
        "checked.\n"
        "# TYPE sqlcron_database_up gauge\n"
        "sqlcron_database_up 1\n"
        "# HELP sqlcron_config_reloads_total Configuration reloads, by result.\n"
        "# TYPE sqlcron_config_reloads_total counter\n"
        "sqlcron_config_reloads_total{result=\"success\"} 2\n"
        "sqlcron_config_reloads_total{result=\"failure\"} 1\n"
        "# HELP sqlcron_spooled_records Run results waiting in the spool to be written to the "
        "database.\n"
        "# TYPE sqlcron_spooled_records gauge\n"
        "sqlcron_spooled_records 3\n"
        "# HELP sqlcron_results_lost_total Run results that neither the run log nor the spool "
        "could take (each logged; their rows stay running until finished by hand).\n"
        "# TYPE sqlcron_results_lost_total counter\n"
        "sqlcron_results_lost_total 2\n"
        "# HELP sqlcron_kill_privilege Whether the account may kill any thread (CONNECTION ADMIN), "
        "needed to enforce timeouts of SQL SECURITY DEFINER procedures (1) or not (0).\n"
        "# TYPE sqlcron_kill_privilege gauge\n"
        "sqlcron_kill_privilege 0\n"
        "# HELP sqlcron_kill_failures_total KILLs for timeouts or shutdown that the server refused "
        "or never got.\n"
        "# TYPE sqlcron_kill_failures_total counter\n"
        "sqlcron_kill_failures_total 2\n");
}

TEST_CASE("metrics: a newline in a label value is escaped, negative durations count as 0",
          "[metrics]") {
  Metrics m;
  m.run_finished("two\nlines", "succeeded", -1s);
  m.run_started("two\nlines", -5ms);  // a clock step between scheduling and starting
  const auto text = m.render();
  CHECK_THAT(text,
             Catch::Contains("sqlcron_runs_total{job=\"two\\nlines\",status=\"succeeded\"} 1\n"));
  CHECK_THAT(text, Catch::Contains(
                       "sqlcron_run_duration_seconds_bucket{job=\"two\\nlines\",le=\"0.01\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("sqlcron_run_duration_seconds_sum{job=\"two\\nlines\"} 0\n"));
  CHECK_THAT(text, Catch::Contains("sqlcron_fire_lag_seconds_bucket{le=\"0.0005\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("sqlcron_fire_lag_seconds_sum 0\n"));
}

TEST_CASE("metrics: concurrent updates are all counted", "[metrics]") {
  Metrics m;
  constexpr int kThreads = 4;
  constexpr int kRuns = 2000;
  std::vector<std::thread> threads;
  threads.reserve(kThreads + 1);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&m, t] {
      for (int i = 0; i < kRuns; ++i) {
        const std::string job = "job-" + std::to_string(i % 3);
        m.run_started(job, 2ms);
        m.run_finished(job, i % 2 == 0 ? "succeeded" : "failed", 125ms);
        m.set_next_fire(job, unix_time(std::chrono::seconds(1'780'000'000 + i)));
        m.set_running(t);
        m.config_reloaded(i % 5 == 0);
      }
    });
  }
  // A reader at the same time, as the HTTP server would be (Catch2 assertions are not
  // thread-safe: check after the join).
  int complete_renders = 0;
  threads.emplace_back([&m, &complete_renders] {
    for (int i = 0; i < 50; ++i) {
      if (m.render().ends_with("sqlcron_kill_failures_total 0\n")) ++complete_renders;
    }
  });
  for (auto& t : threads) t.join();
  CHECK(complete_renders == 50);

  const auto text = m.render();
  // Per thread: job-0 gets i = 0, 3, ... 1998 (334 even, 333 odd), job-1 667 runs, job-2 666.
  CHECK_THAT(text,
             Catch::Contains("sqlcron_runs_total{job=\"job-0\",status=\"succeeded\"} 1336\n"));
  CHECK_THAT(text, Catch::Contains("sqlcron_runs_total{job=\"job-0\",status=\"failed\"} 1332\n"));
  CHECK_THAT(text, Catch::Contains("sqlcron_run_duration_seconds_count{job=\"job-1\"} 2668\n"));
  CHECK_THAT(text, Catch::Contains("sqlcron_run_duration_seconds_sum{job=\"job-2\"} 333\n"));
  CHECK_THAT(text, Catch::Contains("sqlcron_fire_lag_seconds_count 8000\n"));
  CHECK_THAT(text, Catch::Contains("sqlcron_fire_lag_seconds_bucket{le=\"0.0025\"} 8000\n"));
  CHECK_THAT(text, Catch::Contains("sqlcron_config_reloads_total{result=\"success\"} 1600\n"));
  CHECK_THAT(text, Catch::Contains("sqlcron_config_reloads_total{result=\"failure\"} 6400\n"));
}

TEST_CASE("metrics: promtool accepts the output of a realistic day without lint complaints",
          "[metrics]") {
  Metrics m;
  realistic_day(m);
  const sqlcron::test::TempDir dir;
  const auto file = dir.write("metrics.txt", m.render());
  // promtool (Debian package `prometheus`) is a declared dependency (scripts/install-deps): a
  // missing one fails here with the shell's "not found".
  const auto [status, output] = run("promtool check metrics < '" + file + "'");
  INFO(output);
  CHECK(status == 0);
  CHECK(output.empty());
}
