// The shipped systemd unit: it verifies cleanly against the built binary, its sandboxing rates
// "OK" (exposure at most 2.0) in systemd-analyze, and it declares what the daemon relies on.
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>

#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

using sqlcron::test::read_text;
using sqlcron::test::run;
using sqlcron::test::TempDir;

TEST_CASE("the systemd unit verifies and its exposure is 2.0 or lower", "[system][systemd]") {
  const auto unit_path = sqlcron::test::source_path("systemd/sqlcrond.service");
  const auto unit = read_text(unit_path);
  TempDir dir;
  // verify needs the ExecStart binaries to exist: point them at the one just built.
  const auto copy =
      dir.write("sqlcrond.service",
                std::regex_replace(unit, std::regex("/usr/sbin/sqlcrond"), SQLCROND_PATH));
  const auto verify = run({"/usr/bin/systemd-analyze", "verify", copy});
  INFO(verify.output);
  CHECK(verify.exit_code == 0);
  CHECK(verify.output.empty());

  const auto security =
      run({"/usr/bin/systemd-analyze", "security", "--offline=true", "--no-pager", unit_path});
  INFO(security.output);
  std::smatch m;
  REQUIRE(std::regex_search(security.output, m,
                            std::regex("Overall exposure level for sqlcrond.service: ([0-9.]+)")));
  const double exposure = std::stod(m[1]);
  CHECK(exposure <= 2.0);
  WARN("systemd-analyze security exposure: " << exposure);

  for (const auto* line : {"Type=notify", "WatchdogSec=", "ExecReload=/bin/kill -HUP $MAINPID",
                           "Restart=on-failure", "StateDirectory=sqlcron",
                           "ConfigurationDirectory=sqlcron", "RestartPreventExitStatus=78"}) {
    CHECK_THAT(unit, Catch::Contains(line));
  }
}
