// A full refresh of customer_summary or product_summary_etl records what it counted as the
// nightly path's state, and an interrupted one leaves none: the incremental runs after either
// count every invoice and line exactly once.
#include <catch2/catch.hpp>
#include <chrono>
#include <exception>
#include <string>
#include <thread>

#include "integration/analytics/analytics_schema.hpp"
#include "integration/chinook/nightly_path.hpp"
#include "support/test_database.hpp"

namespace {

using sqlcron::test::AnalyticsSchema;
using sqlcron::test::compare_with_full;
using sqlcron::test::nightly;

const std::string kInvoicesOf5 =
    "SELECT COUNT(*) FROM Invoice WHERE CustomerId = 5 AND InvoiceDate <= '2025-12-31'";
const std::string kCustomersOfTrack1 =
    "SELECT COUNT(DISTINCT i.CustomerId) FROM InvoiceLine il JOIN Invoice i USING (InvoiceId) "
    "WHERE il.TrackId = 1";

}  // namespace

TEST_CASE("a full refresh between two nights is not counted again by the next night", "[chinook]") {
  AnalyticsSchema db("it_chinook_rebase");
  nightly(db, "2025-12-31");
  db.exec("SET foreign_key_checks = 0");
  db.exec(
      "INSERT INTO Invoice (InvoiceId, CustomerId, InvoiceDate, Total) VALUES "
      "(413, 5, '2025-12-20', 0.99)");
  db.exec("INSERT INTO InvoiceLine VALUES (2241, 413, 1, 0.99, 1)");
  // A full refresh by hand (or a weekly one) counts 413 and 2241 ...
  db.exec("CALL customer_summary('2025-12-31', 180)");
  db.exec("CALL product_summary_etl()");
  // ... and the next night must not count them again.
  nightly(db, "2025-12-31");
  CHECK(db.scalar("SELECT TotalInvoices FROM customer_summary WHERE CustomerId = 5") ==
        db.scalar(kInvoicesOf5));
  CHECK(db.scalar("SELECT TotalCustomers FROM product_summary_etl WHERE TrackId = 1") ==
        db.scalar(kCustomersOfTrack1));
  compare_with_full(db, "2025-12-31");
}

TEST_CASE("a fallback refresh interrupted after its swap leaves no state: the next night is full",
          "[chinook]") {
  const std::string schema = "it_chinook_rebase_kill";
  AnalyticsSchema db(schema);
  db.exec("SET foreign_key_checks = 0");
  // An invoice dated after the slot waits in etl_pending: a row the refresh deletes after its swap.
  db.exec(
      "INSERT INTO Invoice (InvoiceId, CustomerId, InvoiceDate, Total) VALUES "
      "(413, 5, '2026-05-01', 0.99)");
  nightly(db, "2026-01-31");
  db.exec(
      "INSERT INTO Invoice (InvoiceId, CustomerId, InvoiceDate, Total) VALUES "
      "(414, 5, '2026-01-20', 0.99)");
  db.exec("INSERT INTO InvoiceLine VALUES (2241, 414, 1, 0.99, 1)");

  // Another session holds the pending row; an earlier slot makes the nightly path refresh in
  // full, which swaps the table in and then waits for that row: killed there.
  auto holder = sqlcron::test::connect(schema);
  holder->execute_raw("START TRANSACTION");
  holder->query("SELECT Id FROM etl_pending WHERE Name = 'customer_summary' FOR UPDATE");
  auto victim = sqlcron::test::connect(schema);
  const auto victim_id = victim->connection_id();
  std::exception_ptr failure;
  std::thread run([&] {
    try {
      victim->execute_raw("CALL customer_summary_incremental('2026-01-25', 180)");
    } catch (...) {
      failure = std::current_exception();
    }
  });
  const auto waiting = "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = " +
                       std::to_string(victim_id) + " AND INFO LIKE 'DELETE FROM etl_pending%'";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (db.scalar(waiting) != "1" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const bool reached = db.scalar(waiting) == "1";
  db.exec("KILL QUERY " + std::to_string(victim_id));
  run.join();
  holder->execute_raw("ROLLBACK");
  REQUIRE(reached);
  CHECK(failure != nullptr);  // interrupted (1317)
  CHECK(db.scalar("SELECT COUNT(*) FROM etl_summary_state WHERE Name = 'customer_summary'") == "0");

  nightly(db, "2026-02-01");
  CHECK(db.scalar("SELECT TotalInvoices FROM customer_summary WHERE CustomerId = 5") ==
        db.scalar("SELECT COUNT(*) FROM Invoice WHERE CustomerId = 5 AND InvoiceDate <= "
                  "'2026-02-01'"));
  compare_with_full(db, "2026-02-01");
}

TEST_CASE("customer_summary_as_of holds one row: a missing one is rebuilt, a second refused",
          "[chinook]") {
  AnalyticsSchema db("it_chinook_as_of_row");
  nightly(db, "2025-12-31");
  db.exec("DELETE FROM customer_summary_as_of");
  CHECK(db.scalar("SELECT COUNT(*) FROM customer_summary") == "0");
  nightly(db, "2025-12-31");
  CHECK(db.scalar("SELECT COUNT(*) FROM customer_summary") == "59");
  CHECK(db.scalar("SELECT MIN(AsOf) FROM customer_summary") == "2025-12-31 00:00:00");
  CHECK_THROWS(db.exec("INSERT INTO customer_summary_as_of VALUES (2, '2020-01-01')"));
  CHECK(db.scalar("SELECT COUNT(*) FROM customer_summary") == "59");
}

TEST_CASE("a state with a NULL in it counts as missing: the next night refreshes in full",
          "[chinook]") {
  AnalyticsSchema db("it_chinook_null_state");
  db.exec("CALL customer_summary('2025-12-31', 180)");
  db.exec("UPDATE etl_summary_state SET AsOf = NULL WHERE Name = 'customer_summary'");
  nightly(db, "2025-01-01");  // earlier than the rows: only a full refresh gets this right
  compare_with_full(db, "2025-01-01");
}

TEST_CASE("the state an earlier version left is forgotten once on upgrade (070)", "[chinook]") {
  const std::string schema = "it_chinook_upgrade_state";
  AnalyticsSchema db(schema);
  nightly(db, "2025-12-31");
  db.exec("SET foreign_key_checks = 0");
  db.exec(
      "INSERT INTO Invoice (InvoiceId, CustomerId, InvoiceDate, Total) VALUES "
      "(413, 5, '2025-12-20', 0.99)");
  db.exec("INSERT INTO InvoiceLine VALUES (2241, 413, 1, 0.99, 1)");
  // An earlier version's full refreshes: the rows count 413, the state is still before it.
  db.exec("CALL customer_summary_run('2025-12-31', 180, NULL, NULL)");
  db.exec("CALL product_summary_etl_run(NULL)");
  sqlcron::test::apply_pack(schema, "migrations/chinook");  // the upgrade
  nightly(db, "2025-12-31");
  compare_with_full(db, "2025-12-31");
}

TEST_CASE("a full refresh reads the invoices without waiting for a writer's row locks",
          "[chinook]") {
  const std::string schema = "it_chinook_no_locks";
  AnalyticsSchema db(schema);
  db.exec("SET foreign_key_checks = 0");
  db.exec(
      "INSERT INTO Invoice (InvoiceId, CustomerId, InvoiceDate, Total) VALUES "
      "(413, 5, '2026-05-01', 0.99)");
  auto writer = sqlcron::test::connect(schema);
  writer->execute_raw("START TRANSACTION");
  writer->execute_raw("UPDATE Invoice SET BillingPostalCode = 'x' WHERE InvoiceId IN (5, 413)");
  db.exec("SET SESSION innodb_lock_wait_timeout = 2");
  CHECK_NOTHROW(db.exec("CALL customer_summary('2025-12-31', 180)"));
  CHECK_NOTHROW(db.exec("CALL customer_summary_incremental('2025-12-31', 180)"));
  writer->execute_raw("ROLLBACK");
  CHECK(db.scalar("SELECT COUNT(*) FROM etl_pending WHERE Name = 'customer_summary'") == "1");
}
