// `retry.on`: which failures a job retries, as read from the config and decided by core::retried
// (the one rule of the scheduler and of backfill).
#include <catch2/catch.hpp>

#include "config/config_error.hpp"
#include "config/config_loader.hpp"
#include "core/retry_policy.hpp"
#include "support/temp_dir.hpp"

using sqlcron::config::ConfigError;
using sqlcron::config::ConfigLoader;
using sqlcron::config::RetryPolicy;
using sqlcron::core::retried;
using sqlcron::core::RunOutcome;
using sqlcron::core::RunStatus;
using sqlcron::test::TempDir;

namespace {

// The retry policy of the one job `job: {..., retry: <retry>}`.
RetryPolicy policy(const std::string& retry) {
  TempDir dir;
  const auto file = dir.write("sqlcron.yaml",
                              "database: {schema: s}\n"
                              "jobs:\n"
                              "  - {name: a, schedule: '@daily', call: p, retry: " +
                                  retry + "}\n");
  const auto config = ConfigLoader::load(file, {});
  REQUIRE(config.jobs.size() == 1);
  return config.jobs[0].retry;
}

std::vector<std::string> errors(const std::string& retry) {
  try {
    policy(retry);
  } catch (const ConfigError& e) {
    std::vector<std::string> out;
    for (const auto& i : e.issues()) out.push_back(i.to_string());
    return out;
  }
  FAIL("the config was accepted");
  return {};
}

RunOutcome failure(int code, std::string sql_state) {
  RunOutcome o;
  o.status = RunStatus::failed;
  o.error_code = code;
  o.sql_state = std::move(sql_state);
  return o;
}

RunOutcome timed_out() {
  RunOutcome o;
  o.status = RunStatus::timed_out;
  o.error_code = 2013;
  o.sql_state = "HY000";
  return o;
}

}  // namespace

TEST_CASE("retry.on defaults to transient: a timeout and a SIGNAL are not retried", "[core]") {
  const auto p = policy("{attempts: 3}");
  CHECK(retried(failure(1213, "40001"), 1, p));
  CHECK_FALSE(retried(timed_out(), 1, p));
  CHECK_FALSE(retried(failure(1644, "45000"), 1, p));
}

TEST_CASE("retry.on names classes, quoted SQLSTATEs and MySQL error numbers", "[core]") {
  const auto p = policy("{attempts: 3, on: [timeout, \"45000\", 1146]}");
  CHECK(retried(timed_out(), 1, p));
  CHECK(retried(timed_out(), 2, p));
  CHECK_FALSE(retried(timed_out(), 3, p));             // attempts still bound it
  CHECK(retried(failure(1644, "45000"), 1, p));        // SIGNAL SQLSTATE '45000'
  CHECK(retried(failure(1146, "42S02"), 1, p));        // by number
  CHECK_FALSE(retried(failure(1213, "40001"), 1, p));  // transient is not listed: not retried
  CHECK_FALSE(retried(failure(1064, "42000"), 1, p));
  RunOutcome cancelled;
  cancelled.status = RunStatus::cancelled;
  CHECK_FALSE(retried(cancelled, 1, p));
  const auto both = policy("{attempts: 2, on: [transient, 1205]}");
  CHECK(retried(failure(1213, "40001"), 1, both));
  CHECK_FALSE(retried(timed_out(), 1, both));
}

TEST_CASE("scheduler.retry.on is the default of jobs without their own retry", "[core]") {
  TempDir dir;
  const auto file = dir.write("sqlcron.yaml",
                              "database: {schema: s}\n"
                              "scheduler: {retry: {attempts: 2, on: [timeout]}}\n"
                              "jobs:\n"
                              "  - {name: a, schedule: '@daily', call: p}\n");
  const auto config = ConfigLoader::load(file, {});
  CHECK(retried(timed_out(), 1, config.jobs[0].retry));
}

TEST_CASE("retry.on: a value that is none of the four kinds is a precise error", "[config]") {
  using Catch::Matchers::EndsWith;
  CHECK_THAT(errors("{on: [transiant]}").at(0),
             EndsWith(":3:57: jobs[0].retry.on[0]: 'transiant' is not a failure to retry; "
                      "expected transient, timeout, a SQLSTATE in quotes (\"45000\") or a MySQL "
                      "error number (1205)"));
  CHECK_THAT(errors("{on: [transient, \"4500\"]}").at(0),
             EndsWith(":3:68: jobs[0].retry.on[1]: '4500' is not a SQLSTATE: 5 characters, "
                      "digits and capital letters"));
  CHECK_THAT(errors("{on: [45000]}").at(0),
             EndsWith(":3:57: jobs[0].retry.on[0]: 45000 is not a MySQL error number (1-9999); "
                      "a SQLSTATE is written in quotes: \"45000\""));
  CHECK_THAT(errors("{on: []}").at(0),
             EndsWith(":3:56: jobs[0].retry.on: expected a non-empty list of failures to retry: "
                      "transient, timeout, SQLSTATEs in quotes (\"45000\"), MySQL error numbers "
                      "(1205)"));
  CHECK_THAT(errors("{on: timeout}").at(0), Catch::Matchers::Contains("jobs[0].retry.on: "));
}
