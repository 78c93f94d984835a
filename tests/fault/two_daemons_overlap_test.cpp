// Fault: two daemons on one database, a 1.5 s job every second. The overlap rule holds across them:
// the job never runs twice at once, whichever daemon claims which slot (issue 13, item 6).
#include "fault/fault_support.hpp"

namespace {

using namespace sqlcron::test;
using namespace sqlcron::test::fault;

constexpr const char* kState = "ft_overlap_state";
constexpr const char* kWork = "ft_overlap_work";
const std::string kRuns = std::string(kState) + ".runs";

// Pairs of runs of the job whose SQL overlapped in time.
std::string overlapping_spans() {
  return std::string("SELECT COUNT(*) FROM ") + kWork + ".spans a JOIN " + kWork +
         ".spans b ON a.id < b.id AND a.s < COALESCE(b.e, NOW(6)) AND b.s < COALESCE(a.e,"
         " NOW(6))";
}

void run_two_daemons(const std::string& overlap) {
  prepare_schemas(kState, kWork);
  auto db = connect();
  db->execute_raw(std::string("CREATE TABLE ") + kWork +
                  ".spans (id INT AUTO_INCREMENT PRIMARY KEY, s DATETIME(6), e DATETIME(6))");
  db->execute_raw(std::string("CREATE PROCEDURE ") + kWork +
                  ".slow() BEGIN INSERT INTO spans (s) VALUES (NOW(6)); DO SLEEP(1.5);"
                  " UPDATE spans SET e = NOW(6) WHERE id = LAST_INSERT_ID(); END");
  TempDir dir;
  ConfigSpec s = spec_of(kState, kWork,
                         "  - name: slow\n    schedule: \"* * * * * *\"\n    call: slow\n"
                         "    overlap: " +
                             overlap + "\n");
  const auto config = migrated(dir, s);
  // Each daemon its own state_dir (the spool is per daemon).
  TempDir dir2;
  const auto config2 = write_config(dir2, s);
  Daemon a(dir, config, "a");
  Daemon b(dir2, config2, "b");
  wait_for(*db, std::string("SELECT COUNT(*) >= 3 FROM ") + kWork + ".spans WHERE e IS NOT NULL",
           "1", 30s);
  CHECK(a.stop() == 0);
  CHECK(b.stop() == 0);
  INFO(read_text(a.log) << read_text(b.log));
  CHECK(count(*db, overlapping_spans()) == 0);
  // Both daemons ran slots of the job (the claim spreads them), and the slots that came due
  // while it ran were skipped (or waited) rather than run alongside.
  CHECK(count(*db, "SELECT COUNT(DISTINCT instance) FROM " + kRuns + " WHERE status = 'skipped'") >=
        1);
  CHECK(count(*db, "SELECT COUNT(*) FROM " + kRuns + " WHERE status = 'running'") == 0);
}

}  // namespace

TEST_CASE("two daemons, overlap: skip - a 1.5 s job every second never overlaps itself",
          "[fault][overlap]") {
  run_two_daemons("skip");
}

TEST_CASE("two daemons, overlap: queue - a 1.5 s job every second never overlaps itself",
          "[fault][overlap]") {
  run_two_daemons("queue");
}
