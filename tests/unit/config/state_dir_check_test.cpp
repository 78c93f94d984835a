#include "config/state_dir_check.hpp"

#include <catch2/catch.hpp>
#include <filesystem>

#include "config/config_error.hpp"
#include "config/config_loader.hpp"
#include "support/temp_dir.hpp"

using sqlcron::config::ConfigError;
using sqlcron::config::ConfigLoader;
using sqlcron::config::state_dir_problem;
using sqlcron::test::TempDir;

TEST_CASE("state_dir: a directory, or one that can be created, is fine", "[config]") {
  TempDir dir;
  CHECK_FALSE(state_dir_problem(dir.path().string()));
  CHECK_FALSE(state_dir_problem((dir.path() / "a" / "b" / "c").string()));
}

TEST_CASE("state_dir: a regular file, or a path under one, is a problem naming it", "[config]") {
  TempDir dir;
  const auto file = dir.write("plain", "not a directory\n");
  const auto is_file = state_dir_problem(file);
  REQUIRE(is_file);
  CHECK_THAT(*is_file, Catch::Contains("not a directory"));
  const auto under = state_dir_problem((dir.path() / "plain" / "state" / "deeper").string());
  REQUIRE(under);
  CHECK_THAT(*under, Catch::Contains(file));
  CHECK_THAT(*under, Catch::Contains("regular file"));
}

TEST_CASE("state_dir: a symlink loop is a problem, not a crash", "[config]") {
  TempDir dir;
  std::filesystem::create_symlink(dir.path() / "loop", dir.path() / "loop");
  const auto problem = state_dir_problem((dir.path() / "loop" / "state").string());
  REQUIRE(problem);
}

TEST_CASE("check-config: a state_dir under a regular file is an error at scheduler.state_dir",
          "[config]") {
  TempDir dir;
  dir.write("plain", "x\n");
  const auto file = dir.write("sqlcron.yaml",
                              "database:\n"
                              "  host: 127.0.0.1\n"
                              "  user: sqlcron\n"
                              "  schema: Chinook\n"
                              "scheduler:\n"
                              "  state_dir: plain/state\n"
                              "jobs: []\n");
  try {
    ConfigLoader::load(file, {});
    FAIL("accepted a state_dir under a regular file");
  } catch (const ConfigError& e) {
    REQUIRE(e.issues().size() == 1);
    const auto& issue = e.issues().front();
    CHECK(issue.key == "scheduler.state_dir");
    CHECK(issue.line == 6);
    CHECK_THAT(issue.message, Catch::Contains((dir.path() / "plain").string()));
  }
}
