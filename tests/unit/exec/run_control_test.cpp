// RunControl: a KILL reaches only the run's own statement (issue 13, item 16) and what the
// worker learns decides how the run is recorded (item 7).
#include "exec/run_control.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <future>
#include <thread>

using sqlcron::exec::RunControl;
using Reason = RunControl::Reason;

TEST_CASE("no KILL is sent once the run's SQL has ended", "[runtime][kill]") {
  RunControl control;
  const auto verdict = control.end();
  CHECK(verdict.reason == Reason::none);
  bool sent = false;
  CHECK_FALSE(control.kill(Reason::timeout, [&] { sent = true; }));
  CHECK_FALSE(sent);
  CHECK(control.ended());
}

TEST_CASE("the worker cannot end its run (and free its connection) while a KILL is on its way",
          "[runtime][kill]") {
  RunControl control;
  std::promise<void> sending;
  std::promise<void> may_finish;
  std::atomic<bool> kill_done{false};
  std::thread killer([&] {
    control.kill(Reason::timeout, [&] {
      sending.set_value();
      may_finish.get_future().wait();  // the KILL statement is in flight
      kill_done = true;
    });
  });
  sending.get_future().wait();
  auto ended = std::async(std::launch::async, [&] { return control.end(); });
  // end() waits for the KILL: it cannot return before the KILL statement does.
  CHECK(ended.wait_for(std::chrono::milliseconds(200)) == std::future_status::timeout);
  may_finish.set_value();
  const auto verdict = ended.get();
  killer.join();
  CHECK(kill_done);
  CHECK(verdict.reason == Reason::timeout);
  CHECK(verdict.killed);
  CHECK(verdict.refused.empty());
}

TEST_CASE("a KILL the server refuses is remembered with why, and the run is not 'killed'",
          "[runtime][kill]") {
  RunControl control;
  CHECK_THROWS(control.kill(Reason::timeout, [] { throw std::runtime_error("1095"); }));
  control.kill_failed(Reason::timeout, "KILL CONNECTION 7 failed: error 1095: not owner");
  const auto verdict = control.end();
  CHECK(verdict.reason == Reason::timeout);
  CHECK_FALSE(verdict.killed);
  CHECK(verdict.refused == "KILL CONNECTION 7 failed: error 1095: not owner");
}
