// Fault: every pooled connection is held by a long run. Timeouts, skipped slots, heartbeats and
// shutdown must not depend on the job pool (issue 13, item 1).
#include "fault/fault_support.hpp"

namespace {

using namespace sqlcron::test;
using namespace sqlcron::test::fault;

constexpr const char* kState = "ft_pool_state";
constexpr const char* kWork = "ft_pool_work";
const std::string kRuns = std::string(kState) + ".runs";

}  // namespace

TEST_CASE("pool of one held by a run: the timeout still kills it, skips are recorded, it stops",
          "[fault][pool]") {
  prepare_schemas(kState, kWork);
  TempDir dir;
  ConfigSpec s =
      spec_of(kState, kWork,
              "  - name: sleepy\n    schedule: \"@every 1s\"\n    sql: SELECT SLEEP(600)\n"
              "    timeout: 2s\n");
  s.database = database_yaml(test_settings(), kWork) + "  pool_size: 1\n";
  s.scheduler_extra = "  heartbeat_interval: 1s\n";
  const auto config = migrated(dir, s);
  Daemon daemon(dir, config);
  auto db = connect();
  wait_for(*db, "SELECT COUNT(*) > 0 FROM " + kRuns + " WHERE status = 'running'", "1", 20s);
  // The run's timeout is enforced although the only pooled connection is the run's.
  wait_for(*db, "SELECT COUNT(*) > 0 FROM " + kRuns + " WHERE status = 'timed_out'", "1", 15s);
  // The slots that came due meanwhile were skipped, and their rows written.
  wait_for(*db, "SELECT COUNT(*) > 0 FROM " + kRuns + " WHERE status = 'skipped'", "1", 10s);
  // The heartbeat kept going while the pool was held.
  const auto beat = cell(*db, std::string("SELECT MAX(heartbeat_at) FROM ") + kState +
                                  ".instances WHERE stopped_at IS NULL");
  wait_for(*db,
           std::string("SELECT MAX(heartbeat_at) > '") + beat + "' FROM " + kState +
               ".instances WHERE stopped_at IS NULL",
           "1", 10s);
  INFO(read_text(daemon.log));
  CHECK(daemon.stop(30s) == 0);
  CHECK(cell(*db, "SELECT COUNT(*) FROM " + kRuns + " WHERE status = 'running'") == "0");
}
