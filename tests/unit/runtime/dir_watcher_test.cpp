#include "runtime/dir_watcher.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/log_capture.hpp"
#include "support/temp_dir.hpp"

using sqlcron::runtime::DirWatcher;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// Runs the loop until `done` holds or `limit` has passed (a bound for a broken build, not a
// wait that the test relies on).
template <typename Done>
bool run_until(boost::asio::io_context& io, Done done, std::chrono::seconds limit = 10s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < until) {
    io.restart();
    io.run_for(20ms);
  }
  return done();
}

}  // namespace

TEST_CASE("a watched directory removed and created again is watched again", "[watch]") {
  const sqlcron::test::LogCapture log;
  const sqlcron::test::TempDir root;
  const auto inbox = root.path() / "inbox";
  fs::create_directory(inbox);
  boost::asio::io_context io;
  std::vector<std::string> reported;
  DirWatcher watcher(io, inbox.string(), 0ms,
                     [&](const std::string& name) { reported.push_back(name); });

  std::ofstream(inbox / "a.csv") << "a\n";
  REQUIRE(run_until(io, [&] { return reported.size() == 1; }));
  CHECK(reported[0] == "a.csv");

  fs::remove_all(inbox);
  REQUIRE(run_until(io, [&] { return !watcher.watching(); }));
  CHECK(log.count("is gone (removed or moved)") == 1);

  // Files that arrive before the watch is back are found by the rescan that follows it.
  fs::create_directory(inbox);
  std::ofstream(inbox / "b.csv") << "b\n";
  REQUIRE(run_until(io, [&] { return watcher.watching() && reported.size() == 2; }));
  CHECK(reported[1].empty());  // the rescan: files are waiting
  CHECK(log.count("watching " + inbox.string() + " again") == 1);
  CHECK(log.count("is gone (removed or moved)") == 1);  // logged once, not per retry

  std::ofstream(inbox / "c.csv") << "c\n";
  REQUIRE(run_until(io, [&] { return reported.size() == 3; }));
  CHECK(reported[2] == "c.csv");
}

TEST_CASE("a watched directory moved away is not followed", "[watch]") {
  const sqlcron::test::TempDir root;
  const auto inbox = root.path() / "inbox";
  fs::create_directory(inbox);
  boost::asio::io_context io;
  std::vector<std::string> reported;
  DirWatcher watcher(io, inbox.string(), 0ms,
                     [&](const std::string& name) { reported.push_back(name); });
  fs::rename(inbox, root.path() / "old");
  REQUIRE(run_until(io, [&] { return !watcher.watching(); }));
  std::ofstream(root.path() / "old" / "x.csv") << "x\n";  // no longer the watched directory
  fs::create_directory(inbox);
  REQUIRE(run_until(io, [&] { return watcher.watching(); }));
  std::ofstream(inbox / "y.csv") << "y\n";
  REQUIRE(run_until(io, [&] { return !reported.empty() && reported.back() == "y.csv"; }));
  for (const auto& name : reported) CHECK(name != "x.csv");
}
