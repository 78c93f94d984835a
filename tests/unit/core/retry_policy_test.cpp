#include "core/retry_policy.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using sqlcron::core::is_transient;
using sqlcron::core::retry_delay;
using sqlcron::core::RetryPolicy;

TEST_CASE("transient MySQL errors are retried, the rest are permanent", "[core]") {
  for (const int code : {1213, 1205, 2006, 2013, 1040, 1053, 2002, 2003, 1927}) {
    INFO(code);
    CHECK(is_transient(code));
  }
  // Syntax, missing procedure, SIGNAL, duplicate key, and our own timeout kill: permanent.
  for (const int code : {1064, 1305, 1644, 1062, 1317, 1146, 0}) {
    INFO(code);
    CHECK_FALSE(is_transient(code));
  }
}

TEST_CASE("retry delays double from backoff up to max_backoff, with jitter in [50%, 100%]",
          "[core]") {
  const RetryPolicy p{5, 30s, 100s};
  CHECK(retry_delay(p, 2, 1.0) == 30s);
  CHECK(retry_delay(p, 3, 1.0) == 60s);
  CHECK(retry_delay(p, 4, 1.0) == 100s);  // capped
  CHECK(retry_delay(p, 40, 1.0) == 100s);
  CHECK(retry_delay(p, 2, 0.0) == 15s);
  CHECK(retry_delay(p, 3, 0.5) == 45s);
}

TEST_CASE("retried: a transient failure with attempts left, nothing else", "[core][retry]") {
  sqlcron::core::RetryPolicy p;
  p.attempts = 3;
  sqlcron::core::RunOutcome o;
  o.status = sqlcron::core::RunStatus::failed;
  o.error_code = 1213;
  CHECK(sqlcron::core::retried(o, 1, p));
  CHECK(sqlcron::core::retried(o, 2, p));
  CHECK_FALSE(sqlcron::core::retried(o, 3, p));
  o.error_code = 1064;  // syntax error: permanent
  CHECK_FALSE(sqlcron::core::retried(o, 1, p));
  o.error_code = 1213;
  o.status = sqlcron::core::RunStatus::timed_out;  // a timeout is not retried
  CHECK_FALSE(sqlcron::core::retried(o, 1, p));
}
