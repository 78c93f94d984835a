#include "core/run_outcome.hpp"

#include <catch2/catch.hpp>

using sqlcron::core::failure_text;
using sqlcron::core::RunOutcome;
using sqlcron::core::RunStatus;

TEST_CASE("failure_text: the error number and SQLSTATE only when there are some", "[core]") {
  RunOutcome o;
  o.status = RunStatus::failed;
  o.error_code = 1213;
  o.sql_state = "40001";
  o.error_message = "Deadlock found";
  CHECK(failure_text(o) == "error 1213 (40001): Deadlock found");
  // A timeout noticed before the server answered has no error number: never "error 0 ()".
  RunOutcome t;
  t.status = RunStatus::timed_out;
  t.error_message = "timeout of 1s exceeded";
  CHECK(failure_text(t) == "timeout of 1s exceeded");
  CHECK(failure_text(RunOutcome{}) == "no error");
}
