#include "util/directory.hpp"

#include <catch2/catch.hpp>
#include <filesystem>

#include "support/temp_dir.hpp"

using sqlcron::test::TempDir;
namespace fs = std::filesystem;

TEST_CASE("directory checks name the path and the reason, never throw", "[util]") {
  TempDir dir;
  const auto d = dir.path().string();
  CHECK_FALSE(sqlcron::util::directory_problem(d));
  const auto file = dir.write("f.txt", "x");
  CHECK(sqlcron::util::directory_problem(file) == file + " is not a directory");
  CHECK(sqlcron::util::directory_problem(d + "/nope") == d + "/nope does not exist");
  fs::create_symlink("loop", dir.path() / "loop");
  CHECK(sqlcron::util::directory_problem(d + "/loop") ==
        "cannot read " + d + "/loop: Too many levels of symbolic links");
  CHECK(sqlcron::util::path_problem(d + "/loop") ==
        "cannot read " + d + "/loop: Too many levels of symbolic links");
  const std::string long_name = d + "/" + std::string(300, 'x');
  CHECK(sqlcron::util::directory_problem(long_name) ==
        "cannot read " + long_name + ": File name too long");
  CHECK_FALSE(sqlcron::util::path_problem(file));
}

TEST_CASE("list_directory: sorted entries, a symlink loop is an entry with its error", "[util]") {
  TempDir dir;
  dir.write("b.sql", "x");
  dir.write("a.sql", "x");
  fs::create_directory(dir.path() / "sub");
  fs::create_symlink("c.sql", dir.path() / "c.sql");    // a loop
  fs::create_symlink("missing", dir.path() / "d.sql");  // dangling: no file, no error
  std::error_code ec;
  const auto entries = sqlcron::util::list_directory(dir.path().string(), ec);
  CHECK_FALSE(ec);
  REQUIRE(entries.size() == 5);
  CHECK(entries[0].name == "a.sql");
  CHECK(entries[0].regular_file);
  CHECK(entries[1].name == "b.sql");
  CHECK(entries[2].name == "c.sql");
  CHECK_FALSE(entries[2].regular_file);
  CHECK(entries[2].error.message() == "Too many levels of symbolic links");
  CHECK(entries[3].name == "d.sql");
  CHECK_FALSE(entries[3].regular_file);
  CHECK_FALSE(entries[3].error);
  CHECK(entries[4].name == "sub");
  CHECK_FALSE(entries[4].regular_file);

  sqlcron::util::list_directory((dir.path() / "nope").string(), ec);
  CHECK(ec == std::errc::no_such_file_or_directory);
}
