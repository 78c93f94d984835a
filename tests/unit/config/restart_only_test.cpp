// A SIGHUP that changes a key read only at start says so (adversarial pass, issue 13).
#include "config/restart_only.hpp"

#include <catch2/catch.hpp>

using sqlcron::config::Config;
using sqlcron::config::restart_only_changes;

TEST_CASE("restart-only keys that a reload changes are named, the password never shown",
          "[config]") {
  Config a;
  Config b = a;
  CHECK(restart_only_changes(a, b).empty());
  b.http.port = 9465;
  b.scheduler.max_concurrent_runs = 3;
  b.database.password = "secret-changed";
  const auto changed = restart_only_changes(a, b);
  CHECK(changed == std::vector<std::string>{"database.user/password",
                                            "scheduler.max_concurrent_runs", "http.listen"});
  for (const auto& key : changed) CHECK(key.find("secret") == std::string::npos);
}
