// dq_checks_incremental: checks only the invoices and lines beyond its watermark and the keys
// that failed last time, and must log exactly what a full dq_checks logs at the same moment.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "integration/analytics/analytics_schema.hpp"

namespace {

using sqlcron::mysql::Row;
using sqlcron::test::AnalyticsSchema;

// The log rows of a run, by check: name, failing rows, sample keys.
std::vector<Row> log_of(AnalyticsSchema& db, int run) {
  return db.rows(
      "SELECT check_name, failing_rows, COALESCE(sample_keys, '-') FROM dq_check_log "
      "WHERE run_id = " +
      std::to_string(run) + " ORDER BY check_name");
}

Row failing(AnalyticsSchema& db, int run, const std::string& check) {
  return db.row(
      "SELECT failing_rows, COALESCE(sample_keys, '-') FROM dq_check_log WHERE run_id = " +
      std::to_string(run) + " AND check_name = '" + check + "'");
}

}  // namespace

TEST_CASE("dq_checks_incremental logs exactly what dq_checks logs", "[chinook]") {
  AnalyticsSchema db("it_chinook_dq_incremental");
  db.exec("CALL dq_checks_incremental(1)");  // no state yet: checks everything
  CHECK(db.row("SELECT COUNT(*), SUM(failing_rows) FROM dq_check_log WHERE run_id = 1") ==
        Row{"10", "0"});
  CHECK(db.row("SELECT LastInvoiceId, LastLineId FROM dq_check_state") == Row{"412", "2240"});

  db.exec("SET foreign_key_checks = 0");
  // New faults: an invoice of an unknown customer whose total is wrong, a line of a missing
  // invoice, a line of a missing track, a line added to an old invoice (its total no longer
  // matches: only found through the new line).
  db.exec(
      "INSERT INTO Invoice (InvoiceId, CustomerId, InvoiceDate, Total) VALUES "
      "(413, 9999, '2026-01-05', 5.00), (414, 1, '2026-01-06', 0.99)");
  db.exec(
      "INSERT INTO InvoiceLine VALUES (2241, 413, 1, 0.99, 1), (2242, 415, 2, 0.99, 1), "
      "(2243, 414, 99999, 0.99, 1), (2244, 1, 3, 0.99, 1)");
  db.exec("CALL dq_checks_incremental(2)");
  db.exec("CALL dq_checks(3)");
  CHECK(failing(db, 2, "invoice_missing_customer") == Row{"1", "413"});
  CHECK(failing(db, 2, "invoice_line_missing_invoice") == Row{"1", "2242"});
  CHECK(failing(db, 2, "invoice_line_missing_track") == Row{"1", "2243"});
  CHECK(failing(db, 2, "invoice_total_mismatch") == Row{"2", "1,413"});
  CHECK(log_of(db, 2) == log_of(db, 3));

  // Nothing new: the faults are still there (kept as failing keys, not re-found by a scan).
  db.exec("CALL dq_checks_incremental(4)");
  CHECK(log_of(db, 4) == log_of(db, 3));

  // Repairs below the watermark: the missing invoice arrives (its total matches), the customer
  // is created, invoice 413's total is corrected; plus a new fault above the watermark.
  db.exec(
      "INSERT INTO Invoice (InvoiceId, CustomerId, InvoiceDate, Total) VALUES "
      "(415, 2, '2026-01-07', 0.99)");
  db.exec(
      "INSERT INTO Customer (CustomerId, FirstName, LastName, Email) VALUES "
      "(9999, 'Late', 'Customer', 'late@example.com')");
  db.exec("UPDATE Invoice SET Total = 0.99 WHERE InvoiceId = 413");
  db.exec("INSERT INTO InvoiceLine VALUES (2245, 9000, 4, 0.99, 1)");
  db.exec("SET foreign_key_checks = 1");
  db.exec("CALL dq_checks_incremental(5)");
  db.exec("CALL dq_checks(6)");
  CHECK(failing(db, 5, "invoice_missing_customer") == Row{"0", "-"});
  CHECK(failing(db, 5, "invoice_line_missing_invoice") == Row{"1", "2245"});
  CHECK(failing(db, 5, "invoice_total_mismatch") == Row{"1", "1"});
  CHECK(log_of(db, 5) == log_of(db, 6));
  CHECK(db.row("SELECT LastInvoiceId, LastLineId FROM dq_check_state") == Row{"415", "2245"});
  CHECK_THROWS(db.exec("CALL dq_checks_incremental(6)"));  // one log per run id
  CHECK(db.row("SELECT LastInvoiceId, LastLineId FROM dq_check_state") == Row{"415", "2245"});
}
