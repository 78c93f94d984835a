// The Chinook ETL pack on the real Chinook data. Expected values were computed independently
// of the procedures, with simple queries on the base tables (see docs/chinook-pack.md).
#include <catch2/catch.hpp>

#include "mysql/db_error.hpp"
#include "support/test_database.hpp"

namespace {

using sqlcron::mysql::Row;

// A schema with fresh Chinook data and the pack applied, for one test case.
class ChinookSchema {
 public:
  explicit ChinookSchema(const std::string& name) : name_(name) {
    sqlcron::test::load_chinook(name);
    sqlcron::test::apply_chinook_pack(name);
    s_ = sqlcron::test::connect(name);
  }
  sqlcron::mysql::Session& session() { return *s_; }
  void exec(const std::string& sql) { s_->execute_raw(sql); }
  Row row(const std::string& sql) { return s_->query(sql).rows.at(0); }
  std::string scalar(const std::string& sql) { return row(sql).at(0).value_or("NULL"); }

 private:
  std::string name_;
  std::unique_ptr<sqlcron::mysql::Session> s_;
};

void refresh_all(ChinookSchema& db) {
  db.exec("CALL customer_summary('2025-12-31', 180)");
  db.exec("CALL product_summary_etl()");
  db.exec("CALL sale_summary('full')");
}

}  // namespace

TEST_CASE("the three procedures produce one row per customer, track and invoice line",
          "[chinook]") {
  ChinookSchema db("it_chinook");
  refresh_all(db);
  CHECK(db.scalar("SELECT COUNT(*) FROM customer_summary") == "59");
  CHECK(db.scalar("SELECT COUNT(*) FROM product_summary_etl") == "3503");
  CHECK(db.scalar("SELECT COUNT(*) FROM sale_summary") == "2240");
  // No build or swap tables are left behind.
  CHECK(db.scalar("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
                  "'it_chinook' AND (TABLE_NAME LIKE '%\\_new' OR TABLE_NAME LIKE '%\\_old')") ==
        "0");
}

TEST_CASE("customer_summary: totals, top customer and churn status as of a date", "[chinook]") {
  ChinookSchema db("it_chinook");
  db.exec("CALL customer_summary('2025-12-31', 180)");
  CHECK(db.row("SELECT CustomerId, TotalSales, TotalInvoices FROM customer_summary "
               "ORDER BY TotalSales DESC LIMIT 1") == Row{"6", "49.62", "7"});
  CHECK(db.scalar("SELECT SUM(TotalSales) FROM customer_summary") == "2328.60");
  CHECK(db.scalar("SELECT SUM(CustomerStatus = 'active') FROM customer_summary") == "31");
  CHECK(db.scalar("SELECT COUNT(*) FROM customer_summary WHERE TotalInvoices IS NULL OR "
                  "TotalTracks IS NULL OR TotalSales IS NULL") == "0");
  // Invoices run to 2025-12-22; a year later nobody bought within 180 days.
  db.exec("CALL customer_summary('2026-12-31', 180)");
  CHECK(db.scalar("SELECT SUM(CustomerStatus = 'active') FROM customer_summary") == "0");
  // Before the first invoice nobody has purchases: all churned, all zero.
  db.exec("CALL customer_summary('2020-12-31', 180)");
  CHECK(db.row("SELECT SUM(CustomerStatus = 'churned'), SUM(TotalSales) FROM customer_summary") ==
        Row{"59", "0.00"});
}

TEST_CASE("product_summary_etl: every track, playlists and zeros for unsold", "[chinook]") {
  ChinookSchema db("it_chinook");
  db.exec("CALL product_summary_etl()");
  CHECK(db.row("SELECT COUNT(*), SUM(TotalQuantity = 0), SUM(TotalSales) FROM "
               "product_summary_etl") == Row{"3503", "1519", "2328.60"});
  CHECK(db.scalar("SELECT Playlists FROM product_summary_etl WHERE TrackId = 1") ==
        "Heavy Metal Classic, Music");
  CHECK(db.scalar("SELECT COUNT(*) FROM product_summary_etl WHERE TotalSales IS NULL OR "
                  "TotalInvoices IS NULL OR TotalCustomers IS NULL") == "0");
}

TEST_CASE("sale_summary: lines, monthly revenue with month-over-month, cohorts", "[chinook]") {
  ChinookSchema db("it_chinook");
  db.exec("CALL sale_summary('full')");
  CHECK(db.row("SELECT COUNT(*), SUM(LineTotal) FROM sale_summary") == Row{"2240", "2328.60"});
  CHECK(db.row("SELECT Revenue, Invoices, PrevMonthRevenue, MoMChangePct FROM sales_monthly "
               "WHERE Month = '2021-01-01'") == Row{"35.64", "6", std::nullopt, std::nullopt});
  CHECK(db.row("SELECT Revenue, Invoices, PrevMonthRevenue, ROUND(MoMChangePct, 2) FROM "
               "sales_monthly WHERE Month = '2021-02-01'") == Row{"37.62", "7", "35.64", "5.56"});
  CHECK(db.row("SELECT COUNT(*), SUM(Revenue) FROM sales_monthly") == Row{"60", "2328.60"});
  CHECK(db.scalar("SELECT SUM(CohortSize) FROM customer_cohort WHERE MonthsSince = 0") == "59");
  CHECK(db.scalar("SELECT COUNT(DISTINCT CohortMonth) FROM customer_cohort") == "19");
  CHECK(db.scalar("SELECT SUM(ActiveCustomers) FROM customer_cohort") == "412");
  CHECK(db.scalar("SELECT LastId FROM etl_watermark WHERE Name = 'sale_summary'") == "2240");
  CHECK_THROWS_WITH(db.exec("CALL sale_summary('bogus')"), Catch::Contains("unknown mode"));
}

TEST_CASE(
    "incremental sale_summary after new invoices equals a full refresh, re-running "
    "changes nothing",
    "[chinook]") {
  ChinookSchema db("it_chinook_inc");
  db.exec("CALL sale_summary('full')");
  db.exec("SET foreign_key_checks = 0");
  db.exec(
      "INSERT INTO Customer (CustomerId, FirstName, LastName, Email, Country) VALUES "
      "(60, 'New', 'Customer', 'new@example.com', 'Norway')");
  db.exec(
      "INSERT INTO Invoice (InvoiceId, CustomerId, InvoiceDate, BillingCountry, Total) VALUES "
      "(413, 60, '2026-01-05 00:00:00', 'Norway', 1.98)");
  db.exec("INSERT INTO InvoiceLine VALUES (2241, 413, 1, 0.99, 1), (2242, 413, 2, 0.99, 1)");
  db.exec("SET foreign_key_checks = 1");
  db.exec("CALL sale_summary('incremental')");
  db.exec("CALL sale_summary('incremental')");  // idempotent
  CHECK(db.scalar("SELECT COUNT(*) FROM sale_summary") == "2242");
  CHECK(db.scalar("SELECT LastId FROM etl_watermark WHERE Name = 'sale_summary'") == "2242");
  CHECK(db.row("SELECT Revenue, Invoices FROM sales_monthly WHERE Month = '2026-01-01'") ==
        Row{"1.98", "1"});
  // A watermark behind the table (a crash between a 'full' swap and its watermark update) is
  // caught up first: nothing is loaded twice.
  db.exec("UPDATE etl_watermark SET LastId = 2000 WHERE Name = 'sale_summary'");
  db.exec("CALL sale_summary('incremental')");
  CHECK(db.scalar("SELECT COUNT(*) FROM sale_summary") == "2242");
  CHECK(db.scalar("SELECT LastId FROM etl_watermark WHERE Name = 'sale_summary'") == "2242");

  // Snapshot the incremental results, rebuild in full, compare row for row.
  const std::vector<std::string> tables{"sale_summary", "sales_monthly", "customer_cohort"};
  for (const auto& t : tables) db.exec("CREATE TABLE inc_" + t + " AS SELECT * FROM " + t);
  db.exec("CALL sale_summary('full')");
  for (const auto& t : tables) {
    INFO(t);
    CHECK(db.scalar("SELECT COUNT(*) FROM " + t) == db.scalar("SELECT COUNT(*) FROM inc_" + t));
    CHECK(db.scalar("SELECT COUNT(*) FROM (SELECT * FROM " + t + " UNION SELECT * FROM inc_" + t +
                    ") u") == db.scalar("SELECT COUNT(*) FROM " + t));
  }
}

TEST_CASE("data-quality checks are zero on stock data and find planted faults", "[chinook]") {
  ChinookSchema db("it_chinook_dq");
  db.exec("CALL dq_checks(1)");
  CHECK(db.row("SELECT COUNT(*), SUM(failing_rows) FROM dq_check_log WHERE run_id = 1") ==
        Row{"10", "0"});
  CHECK_THROWS(db.exec("CALL dq_checks(1)"));  // one log per run id

  db.exec("SET foreign_key_checks = 0");
  db.exec(
      "INSERT INTO Track (TrackId, Name, AlbumId, MediaTypeId, GenreId, Milliseconds, UnitPrice) "
      "VALUES (9001, 'Orphan', 999, 99, NULL, 1000, 0.99)");
  db.exec("INSERT INTO InvoiceLine VALUES (2246, 9999, 1, 0.99, 1)");
  db.exec("INSERT INTO InvoiceLine VALUES (2244, 1, 5, 0.99, 1)");
  db.exec("SET foreign_key_checks = 1");
  db.exec("CALL dq_checks(7)");
  const auto failing = [&](const std::string& check) {
    return db.row(
        "SELECT failing_rows, sample_keys FROM dq_check_log WHERE run_id = 7 AND "
        "check_name = '" +
        check + "'");
  };
  CHECK(failing("track_missing_album") == Row{"1", "9001"});
  CHECK(failing("track_missing_genre") == Row{"1", "9001"});
  CHECK(failing("invoice_line_missing_invoice") == Row{"1", "2246"});
  CHECK(failing("invoice_total_mismatch") == Row{"1", "1"});
  CHECK(db.scalar("SELECT SUM(failing_rows) FROM dq_check_log WHERE run_id = 7 AND check_name "
                  "IN ('album_missing_artist', 'customer_missing_support_rep')") == "0");
}
