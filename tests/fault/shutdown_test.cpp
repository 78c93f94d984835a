// Fault: SIGTERM while a run waits for a worker (max_concurrent_runs: 1). "No new runs" holds:
// it does not start after the signal, and its claimed row says why (attacker's pass, issue 13).
#include "fault/fault_support.hpp"

namespace {

using namespace sqlcron::test;
using namespace sqlcron::test::fault;

constexpr const char* kState = "ft_shutdown_state";
constexpr const char* kWork = "ft_shutdown_work";
const std::string kRuns = std::string(kState) + ".runs";

}  // namespace

TEST_CASE("SIGTERM: a run waiting for a worker does not start", "[fault][shutdown]") {
  prepare_schemas(kState, kWork);
  TempDir dir;
  // Both due in the same second; one worker: `later` waits for `long` (claimed together).
  auto s = spec_of(kState, kWork,
                   "  - name: long\n    schedule: \"*/10 * * * * *\"\n    sql: SELECT SLEEP(3)\n"
                   "  - name: later\n    schedule: \"*/10 * * * * *\"\n    call: tick\n"
                   "    args: [\"{scheduled_for}\"]\n");
  s.scheduler_extra = "  max_concurrent_runs: 1\n";
  const auto config = migrated(dir, s);
  Daemon daemon(dir, config);
  auto db = connect();
  wait_for(*db, "SELECT COUNT(*) FROM " + kRuns + " WHERE job = 'long' AND status = 'running'", "1",
           30s);
  daemon.process.signal(SIGTERM);
  INFO(read_text(daemon.log));
  CHECK(daemon.process.wait(30s) == 0);
  // `later` never ran after the signal; a row it had claimed says why it did not run.
  CHECK(count(*db, std::string("SELECT COUNT(*) FROM ") + kWork + ".ticks") == 0);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kRuns +
                       " WHERE job = 'later' AND (status <> 'skipped' OR error_message NOT LIKE"
                       " 'shutdown:%')") == 0);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kRuns + " WHERE status = 'running'") == 0);
}
