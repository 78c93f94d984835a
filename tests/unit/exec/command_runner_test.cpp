#include "exec/command_runner.hpp"

#include <catch2/catch.hpp>
#include <string>

using sqlcron::exec::CommandRunner;
using namespace std::chrono_literals;

TEST_CASE("a notify command runs without a shell, with only the given environment", "[notify]") {
  const std::string script = "echo \"$1 $SQLCRON_JOB ${HOME:-nohome}\"; echo err >&2; exit 3";
  const auto r =
      CommandRunner::run({"/bin/sh", "-c", script, "sh", "arg one"}, {"SQLCRON_JOB=nightly"}, 10s);
  CHECK(r.error.empty());
  CHECK_FALSE(r.timed_out);
  REQUIRE(r.exit_code);
  CHECK(*r.exit_code == 3);
  CHECK(r.output == "arg one nightly nohome\nerr\n");
}

TEST_CASE("a notify command past its timeout is killed with its children", "[notify]") {
  const auto started = std::chrono::steady_clock::now();
  const auto r = CommandRunner::run({"/bin/sh", "-c", "echo start; sleep 30 & wait"}, {}, 300ms);
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(r.timed_out);
  CHECK(r.term_signal);
  CHECK(r.output == "start\n");
  CHECK(took < 5s);
}

TEST_CASE("a notify command that cannot start is reported, not thrown", "[notify]") {
  auto r = CommandRunner::run({"/nonexistent/alert"}, {}, 1s);
  CHECK_THAT(r.error, Catch::Contains("cannot run /nonexistent/alert"));
  CHECK_FALSE(r.exit_code);
  r = CommandRunner::run({"relative/alert"}, {}, 1s);
  CHECK_THAT(r.error, Catch::Contains("absolute path"));
}

TEST_CASE("notify output is capped", "[notify]") {
  const auto r = CommandRunner::run({"/bin/sh", "-c", "head -c 100000 /dev/zero | tr '\\\\0' x"},
                                    {"PATH=/usr/bin:/bin"}, 10s, 1000);
  CHECK(r.output.size() == 1000);
  CHECK(*r.exit_code == 0);
}

TEST_CASE("a notify command that exits is done, whatever it left in the background", "[notify]") {
  // A child in the background (its own session: no process group to kill) holds its stdout.
  const auto started = std::chrono::steady_clock::now();
  const auto r =
      CommandRunner::run({"/bin/sh", "-c", "echo sent; setsid sleep 5 & echo done; exit 0"},
                         {"PATH=/usr/bin:/bin"}, 3s);
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(r.error.empty());
  CHECK_FALSE(r.timed_out);
  REQUIRE(r.exit_code);
  CHECK(*r.exit_code == 0);
  CHECK_FALSE(r.term_signal);
  CHECK(r.output == "sent\ndone\n");
  CHECK(took < 2s);  // the exit and at most CommandRunner::kReadAfterExit more, not the timeout
}
