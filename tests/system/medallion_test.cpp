// The medallion example (config/examples/medallion.yaml, migrations/examples/medallion) run by
// the built sqlcrond: CSV files dropped into a watched directory go raw -> curated -> gold,
// chained, each file once. Expected figures were computed independently of the procedures (by hand
// and a separate CSV parser; see docs/medallion.md).
#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/system_harness.hpp"
#include "support/test_database.hpp"

using namespace std::chrono_literals;
using sqlcron::test::ConfigSpec;
using sqlcron::test::Process;
using sqlcron::test::sqlcrond;
using sqlcron::test::TempDir;

namespace fs = std::filesystem;

namespace {

constexpr const char* kState = "st_med_state";
constexpr const char* kWork = "st_med_work";

// The example's jobs, with its inbox replaced by `inbox`.
std::string example_jobs(const std::string& inbox) {
  std::ifstream in(sqlcron::test::source_path("config/examples/medallion.yaml"));
  std::stringstream ss;
  ss << in.rdbuf();
  auto text = ss.str();
  text = text.substr(text.find("\njobs:\n") + 7);
  const std::string from = "/var/lib/sqlcron/inbox";
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
    text.replace(at, from.size(), inbox);
    at += inbox.size();
  }
  return text;
}

// Copies a test file into the inbox the way writers should: under a dot-name, then renamed.
void drop(const std::string& file, const std::string& inbox, const std::string& as = "") {
  const auto name = as.empty() ? file : as;
  const auto tmp = fs::path(inbox) / ("." + name);
  fs::copy_file(sqlcron::test::source_path("tests/data/medallion/" + file), tmp);
  fs::rename(tmp, fs::path(inbox) / name);
}

}  // namespace

TEST_CASE(
    "the medallion example loads three CSV files into equal gold and curated totals, each "
    "file once",
    "[system][pipeline]") {
  sqlcron::test::fresh_schema(kState);
  sqlcron::test::fresh_schema(kWork);
  TempDir dir;
  const auto inbox = (dir.path() / "inbox").string();
  fs::create_directory(inbox);
  ConfigSpec spec{kState, kWork, example_jobs(inbox), "10s", "", ""};
  spec.top_extra =
      "migrations: [" + sqlcron::test::source_path("migrations/examples/medallion") + "]\n";
  const auto config = write_config(dir, spec);
  const auto migrated = sqlcrond({"--config", config, "migrate"});
  INFO(migrated.output);
  REQUIRE(migrated.exit_code == 0);
  const auto log = (dir.path() / "serve.log").string();
  Process serve(sqlcron::test::serve_argv(config), log);
  auto db = sqlcron::test::connect();
  const std::string work = kWork;
  const std::string state = kState;
  const auto checks_passed = "SELECT COUNT(*) FROM " + state +
                             ".runs WHERE job = 'medallion_check' AND status = 'succeeded'";

  // One file at a time: each arrival starts one pipeline instance, which ends with the check.
  const std::vector<std::string> files{"sales_2026-11-01.csv", "sales_2026-11-02.csv",
                                       "sales_2026-11-03_bad.csv"};
  for (std::size_t i = 0; i < files.size(); ++i) {
    drop(files[i], inbox);
    INFO(sqlcron::test::read_text(log));
    sqlcron::test::wait_for(*db, checks_passed, std::to_string(i + 1), 60s);
  }

  const auto n = [&](const std::string& sql) { return sqlcron::test::count(*db, sql); };
  // Bronze: 24 rows in, the 3 unparseable lines of the bad file rejected and recorded.
  CHECK(n("SELECT COUNT(*) FROM " + work + ".raw_sales") == 24);
  CHECK(n("SELECT COUNT(*) FROM " + state + ".loaded_files WHERE job = 'medallion_ingest'") == 3);
  CHECK(n("SELECT SUM(rows_rejected) FROM " + state + ".loaded_files") == 3);
  const auto rejects =
      db->query("SELECT file_name, line, reason FROM " + state + ".load_rejects ORDER BY line");
  REQUIRE(rejects.rows.size() == 3);
  CHECK(rejects.rows[0][0] == "sales_2026-11-03_bad.csv");
  CHECK(rejects.rows[0][1] == "8");
  CHECK(rejects.rows[0][2] == "9 fields, expected 8");
  CHECK(rejects.rows[1][1] == "11");
  CHECK(rejects.rows[1][2] == "7 fields, expected 8");
  CHECK(rejects.rows[2][1] == "13");
  CHECK(rejects.rows[2][2] == "a quoted field is not closed");
  // Silver: 15 curated lines, 6 quarantined (typing and validation).
  CHECK(n("SELECT COUNT(*) FROM " + work + ".curated_sales") == 15);
  CHECK(n("SELECT COUNT(*) FROM " + work + ".quarantine_sales") == 6);
  // Gold equals curated.
  const auto totals =
      db->query("SELECT (SELECT SUM(revenue) FROM " + work +
                ".gold_daily_sales), (SELECT SUM(line_total) FROM " + work +
                ".curated_sales), (SELECT SUM(lifetime_value) FROM " + work +
                ".gold_customer_stats), (SELECT COUNT(*) FROM " + work +
                ".gold_daily_sales), (SELECT COUNT(*) FROM " + work +
                ".gold_customer_stats), (SELECT COUNT(*) FROM " + work + ".gold_sales_wide)");
  CHECK(totals.rows[0][0] == "687.65");
  CHECK(totals.rows[0][1] == "687.65");
  CHECK(totals.rows[0][2] == "687.65");
  CHECK(totals.rows[0][3] == "4");
  CHECK(totals.rows[0][4] == "7");
  CHECK(totals.rows[0][5] == "15");
  // Each instance ran in order, tied to its root (the ingest run) and its slot.
  CHECK(n("SELECT COUNT(*) FROM " + state + ".runs r JOIN " + state +
          ".runs i ON i.run_id = r.chain_run_id AND i.job = 'medallion_ingest'"
          " AND i.scheduled_for = r.scheduled_for"
          " WHERE r.cause = 'chain' AND r.status = 'succeeded'") == 9);
  CHECK(n("SELECT COUNT(*) FROM " + state + ".runs WHERE status <> 'succeeded'") == 0);
  CHECK(n("SELECT COUNT(*) FROM " + work + ".medallion_alerts") == 0);

  // The same content again, under another name: a new instance loads nothing, and the rest of
  // its chain is skipped (`no new data`) instead of redoing the last instance's work.
  drop("sales_2026-11-01.csv", inbox, "sales_2026-11-01_again.csv");
  sqlcron::test::wait_for(*db,
                          "SELECT COUNT(*) FROM " + state +
                              ".runs WHERE status = 'skipped' AND error_message = 'no new data'",
                          "3", 60s);
  CHECK(n("SELECT COUNT(*) FROM " + state +
          ".runs WHERE job = 'medallion_ingest' AND cause = "
          "'watch' AND status = 'succeeded'") == 4);
  CHECK(n("SELECT COUNT(*) FROM " + state + ".runs WHERE job = 'medallion_check'") == 4);
  CHECK(n("SELECT COUNT(*) FROM " + work + ".raw_sales") == 24);
  CHECK(n("SELECT COUNT(*) FROM " + state + ".loaded_files") == 3);
  CHECK(n("SELECT rows_affected FROM " + state +
          ".runs WHERE job = 'medallion_ingest' ORDER BY run_id DESC LIMIT 1") == 0);
  CHECK(n("SELECT COUNT(*) FROM " + work + ".curated_sales") == 15);

  serve.signal(SIGTERM);
  const auto code = serve.wait(20s);
  INFO(sqlcron::test::read_text(log));
  REQUIRE(code.has_value());
  CHECK(*code == 0);
}
