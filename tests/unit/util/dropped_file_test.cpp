// util::read_dropped_file: what a load_csv inbox may hold besides regular files - a symbolic link
// (never followed), a FIFO (never blocked on), a file gone meanwhile - and its size limit.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "support/temp_dir.hpp"
#include "util/file_text.hpp"

using sqlcron::test::TempDir;
using sqlcron::util::read_dropped_file;
using Status = sqlcron::util::DroppedFile::Status;

namespace fs = std::filesystem;

TEST_CASE("read_dropped_file reads regular files only, never through a link", "[util]") {
  TempDir dir;
  const auto file = dir.write("a.csv", "x,y\n1,2\n");
  auto r = read_dropped_file(file, 1024);
  CHECK(r.status == Status::ok);
  CHECK(r.content == "x,y\n1,2\n");
  CHECK(read_dropped_file(file, 4).status == Status::too_large);

  fs::create_symlink(file, dir.path() / "link.csv");
  r = read_dropped_file((dir.path() / "link.csv").string(), 1024);
  CHECK(r.status == Status::not_regular);
  CHECK(r.content.empty());

  const auto fifo = (dir.path() / "fifo.csv").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(read_dropped_file(fifo, 1024).status == Status::not_regular);  // and returns at once

  CHECK(read_dropped_file((dir.path() / "gone.csv").string(), 1024).status == Status::vanished);
  CHECK(read_dropped_file(dir.path().string(), 1024).status == Status::not_regular);
}
