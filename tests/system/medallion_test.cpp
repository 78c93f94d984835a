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

TEST_CASE(
    "the medallion example: a broken gold step is seen in status --chains and its instance "
    "recovered with rerun (a watch root)",
    "[system][pipeline][recover]") {
  sqlcron::test::fresh_schema(kState);
  sqlcron::test::fresh_schema(kWork);
  TempDir dir;
  const auto inbox = (dir.path() / "inbox").string();
  fs::create_directory(inbox);
  ConfigSpec spec{kState, kWork, example_jobs(inbox), "10s", "", ""};
  spec.top_extra =
      "migrations: [" + sqlcron::test::source_path("migrations/examples/medallion") + "]\n";
  const auto config = write_config(dir, spec);
  REQUIRE(sqlcrond({"--config", config, "migrate"}).exit_code == 0);
  const auto log = (dir.path() / "serve.log").string();
  Process serve(sqlcron::test::serve_argv(config), log);
  auto db = sqlcron::test::connect();
  const std::string work = kWork;
  const std::string state = kState;
  const auto n = [&](const std::string& sql) { return sqlcron::test::count(*db, sql); };

  // Break gold (as docs/medallion.md does: a table it writes is gone), then a file arrives.
  db->execute_raw("RENAME TABLE " + work + ".gold_customer_stats TO " + work + ".gold_away");
  drop("sales_2026-11-01.csv", inbox);
  INFO(sqlcron::test::read_text(log));
  sqlcron::test::wait_for(*db,
                          "SELECT COUNT(*) FROM " + state +
                              ".runs WHERE job = 'medallion_check' AND status = 'skipped'",
                          "1", 60s);
  // Alerted: the stock file's root hook and notify command cover every step of the chain.
  sqlcron::test::wait_for(*db,
                          "SELECT COUNT(*) FROM " + work +
                              ".medallion_alerts WHERE failed_job = 'medallion_gold' AND "
                              "error_code = '1146'",
                          "1", 30s);
  sqlcron::test::wait_for(
      *db, "SELECT COUNT(*) FROM " + state + ".notifications WHERE job = 'medallion_gold'", "1",
      30s);
  serve.signal(SIGTERM);
  REQUIRE(serve.wait(20s).has_value());
  CHECK(n("SELECT COUNT(*) FROM " + work + ".medallion_alerts") == 1);
  const auto gold = db->query("SELECT run_id, chain_run_id, scheduled_for FROM " + state +
                              ".runs WHERE job = 'medallion_gold' AND status = 'failed'");
  REQUIRE(gold.rows.size() == 1);
  const auto failed = *gold.rows[0][0];
  const auto instance = *gold.rows[0][1];
  const auto chains = sqlcrond({"--config", config, "status", "--chains"});
  INFO(chains.output);
  CHECK_THAT(chains.output, Catch::Contains("medallion_ingest") &&
                                Catch::Contains("medallion_gold") && Catch::Contains(failed) &&
                                Catch::Contains("gold_customer_stats' doesn't exist"));
  // backfill cannot help a watch root; rerun can.
  CHECK(sqlcrond({"--config", config, "backfill", "medallion_ingest", "--from", "1d", "--to", "0d",
                  "--chain"})
            .exit_code == 64);

  // Repair and rerun the instance from its failed step: gold and check run for its slot.
  db->execute_raw("RENAME TABLE " + work + ".gold_away TO " + work + ".gold_customer_stats");
  const auto r = sqlcrond({"--config", config, "rerun", failed});
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(n("SELECT COUNT(*) FROM " + state +
          ".runs WHERE job IN ('medallion_gold', 'medallion_check') AND cause = 'manual'"
          " AND status = 'succeeded' AND chain_run_id = " +
          instance + " AND scheduled_for = '" + *gold.rows[0][2] + "'") == 2);
  CHECK(n("SELECT COUNT(*) FROM " + state + ".pipeline_instances WHERE chain_run_id = " + instance +
          " AND succeeded = 4 AND failed = 0 AND skipped = 0") == 1);
  const auto totals =
      db->query("SELECT (SELECT SUM(revenue) FROM " + work +
                ".gold_daily_sales), (SELECT SUM(line_total) FROM " + work + ".curated_sales)");
  CHECK(totals.rows[0][0] == totals.rows[0][1]);
  CHECK(n("SELECT COUNT(*) FROM " + work + ".gold_customer_stats") > 0);
}
