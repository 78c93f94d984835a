// Faults around the config and the machine, against the built sqlcrond: symlink loops (at start
// and on SIGHUP), a busy HTTP port, and a binary that is not in its build tree (docs/semantics.md,
// docs/operations.md).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>

#include "support/system_harness.hpp"
#include "support/test_database.hpp"

using namespace std::chrono_literals;
using sqlcron::test::ConfigSpec;
using sqlcron::test::count;
using sqlcron::test::Process;
using sqlcron::test::read_text;
using sqlcron::test::sqlcrond;
using sqlcron::test::TempDir;
using sqlcron::test::wait_for;
using sqlcron::test::wait_for_log;

namespace fs = std::filesystem;

namespace {

constexpr const char* kState = "st_cfgfault_state";
constexpr const char* kWork = "st_cfgfault_work";

const std::string kTick =
    "  - name: tick\n    schedule: \"* * * * * *\"\n    call: tick\n    args: "
    "[\"{scheduled_for}\"]\n";

// A listening TCP socket on 127.0.0.1 (a free port), closed at the end.
class BusyPort {
 public:
  BusyPort() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    REQUIRE(fd_ >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd_, 1) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port_ = ntohs(a.sin_port);
  }
  ~BusyPort() { ::close(fd_); }
  BusyPort(const BusyPort&) = delete;
  BusyPort& operator=(const BusyPort&) = delete;
  [[nodiscard]] int port() const { return port_; }

 private:
  int fd_;
  int port_ = 0;
};

}  // namespace

TEST_CASE("a symlink loop in jobs.d: check-config and serve exit 78, SIGHUP keeps the old config",
          "[system][fault]") {
  sqlcron::test::prepare_schemas(kState, kWork);
  TempDir dir;
  const auto config = write_config(dir, ConfigSpec{kState, kWork, kTick, "10s", "", ""});
  fs::create_directories(dir.path() / "jobs.d");
  const auto loop = (dir.path() / "jobs.d" / "loop.yaml").string();
  fs::create_symlink("loop.yaml", loop);

  const auto checked = sqlcrond({"--config", config, "check-config"});
  INFO(checked.output);
  CHECK(checked.exit_code == 78);
  CHECK_THAT(checked.output,
             Catch::Contains(loop + ": cannot read: Too many levels of symbolic links"));
  const auto served = sqlcrond({"--config", config, "serve"});
  CHECK(served.exit_code == 78);

  // Running, a reload that meets the loop is rejected and the daemon keeps firing.
  fs::remove(loop);
  REQUIRE(sqlcrond({"--config", config, "migrate"}).exit_code == 0);
  const auto log = (dir.path() / "serve.log").string();
  Process serve(sqlcron::test::serve_argv(config), log);
  auto db = sqlcron::test::connect();
  const std::string ticks = std::string("SELECT COUNT(*) >= 1 FROM ") + kWork + ".ticks";
  wait_for(*db, ticks, "1", 10s);
  fs::create_symlink("loop.yaml", loop);
  serve.signal(SIGHUP);
  wait_for_log(log, "reload rejected", 10s);
  CHECK_THAT(read_text(log), Catch::Contains("Too many levels of symbolic links"));
  const auto before = count(*db, std::string("SELECT COUNT(*) FROM ") + kWork + ".ticks");
  wait_for(*db,
           std::string("SELECT COUNT(*) > ") + std::to_string(before) + " FROM " + kWork + ".ticks",
           "1", 10s);
  fs::remove(loop);
  serve.signal(SIGHUP);
  wait_for_log(log, "configuration reloaded", 10s);
  serve.signal(SIGTERM);
  CHECK(serve.wait(30s) == 0);
}

TEST_CASE("a busy http.listen port: serve exits 75 with the address, no instance registered",
          "[system][fault]") {
  sqlcron::test::prepare_schemas(kState, kWork);
  TempDir dir;
  const BusyPort busy;
  ConfigSpec s{kState, kWork, kTick, "10s", "", ""};
  s.http_listen = "127.0.0.1:" + std::to_string(busy.port());
  const auto config = write_config(dir, s);
  REQUIRE(sqlcrond({"--config", config, "migrate"}).exit_code == 0);
  CHECK(sqlcrond({"--config", config, "check-config"}).exit_code == 0);

  const auto served = sqlcrond({"--config", config, "serve"});
  INFO(served.output);
  CHECK(served.exit_code == 75);
  CHECK_THAT(served.output, Catch::Contains("127.0.0.1:" + std::to_string(busy.port())) &&
                                Catch::Contains("Address already in use"));
  auto db = sqlcron::test::connect();
  CHECK(count(*db, std::string("SELECT COUNT(*) FROM ") + kState + ".instances") == 0);
  CHECK(count(*db, std::string("SELECT COUNT(*) FROM ") + kWork + ".ticks") == 0);
}

TEST_CASE("migrate works from a copy of sqlcrond outside the source and build trees",
          "[system][fault]") {
  sqlcron::test::fresh_schema(kState);
  sqlcron::test::fresh_schema(kWork);
  TempDir dir;
  const auto binary = dir.path() / "bin" / "sqlcrond";
  fs::create_directories(binary.parent_path());
  fs::copy_file(SQLCROND_PATH, binary);
  const auto config = write_config(dir, ConfigSpec{kState, kWork, "", "10s", "", ""});
  const auto migrated = sqlcron::test::run({binary.string(), "--config", config, "migrate"});
  INFO(migrated.output);
  REQUIRE(migrated.exit_code == 0);
  auto db = sqlcron::test::connect();
  CHECK(count(*db, std::string("SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                               "TABLE_SCHEMA = '") +
                       kState + "' AND TABLE_NAME IN ('runs', 'jobs', 'instances')") == 3);
  // The same files as the source tree's: running the tree's binary after it changes nothing.
  const auto again = sqlcrond({"--config", config, "migrate"});
  INFO(again.output);
  CHECK(again.exit_code == 0);
  CHECK_THAT(again.output, Catch::Contains("sqlcron: 0 applied"));
}

TEST_CASE("messages: a byte that is not UTF-8 is shown escaped, never raw", "[system]") {
  const auto r = sqlcrond({"next", "--schedule", "\xff * * * *"});
  CHECK(r.exit_code == 64);
  CHECK(r.output.find('\xff') == std::string::npos);
  CHECK_THAT(r.output, Catch::Contains("invalid schedule '\\xFF * * * *'"));
}
