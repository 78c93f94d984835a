// The Chinook pack's nightly path: customer_summary_incremental and
// product_summary_etl_incremental must leave exactly what the full refreshes build.
#include <catch2/catch.hpp>
#include <string>

#include "integration/analytics/analytics_schema.hpp"
#include "integration/chinook/nightly_path.hpp"

using sqlcron::test::AnalyticsSchema;
using sqlcron::test::compare_with_full;
using sqlcron::test::nightly;

TEST_CASE("incremental customer_summary and product_summary_etl equal the full refreshes",
          "[chinook]") {
  AnalyticsSchema db("it_chinook_nightly");
  nightly(db, "2025-12-31");  // no state yet: runs the full refreshes
  CHECK(db.scalar("SELECT COUNT(*) FROM customer_summary") == "59");
  CHECK(db.scalar("SELECT SUM(CustomerStatus = 'active') FROM customer_summary") == "31");

  db.exec("SET foreign_key_checks = 0");
  // A new customer buying the same track twice in one invoice, a repeat buyer, an invoice dated
  // after the next slot, a line added to an old invoice and one more to the very first, a moved
  // customer, a renamed playlist and track.
  db.exec(
      "INSERT INTO Customer (CustomerId, FirstName, LastName, Email, Country) VALUES "
      "(60, 'New', 'Customer', 'new@example.com', 'Norway')");
  db.exec(
      "INSERT INTO Invoice (InvoiceId, CustomerId, InvoiceDate, Total) VALUES "
      "(413, 60, '2026-01-05', 1.98), (414, 6, '2026-01-20', 0.99), "
      "(415, 7, '2026-05-01', 2.97)");
  db.exec(
      "INSERT INTO InvoiceLine VALUES (2241, 413, 1, 0.99, 1), (2242, 413, 1, 0.99, 1), "
      "(2243, 414, 3, 0.99, 1), (2244, 415, 4, 0.99, 1), (2245, 415, 5, 0.99, 1), "
      "(2246, 415, 6, 0.99, 1), (2247, 412, 7, 0.99, 1), (2248, 1, 2, 0.99, 1)");
  db.exec("UPDATE Customer SET City = 'Trondheim' WHERE CustomerId = 2");
  db.exec("UPDATE Playlist SET Name = 'Musica' WHERE PlaylistId = 1");
  db.exec("UPDATE Track SET Name = 'Renamed' WHERE TrackId = 10");

  nightly(db, "2026-03-01");  // invoice 415 still in the future
  CHECK(db.scalar("SELECT TotalInvoices FROM customer_summary WHERE CustomerId = 7") ==
        db.scalar("SELECT COUNT(*) FROM Invoice WHERE CustomerId = 7 AND InvoiceDate <= "
                  "'2026-03-01'"));
  CHECK(db.scalar("SELECT TotalCustomers FROM product_summary_etl WHERE TrackId = 1") ==
        db.scalar("SELECT COUNT(DISTINCT i.CustomerId) FROM InvoiceLine il JOIN Invoice i USING "
                  "(InvoiceId) WHERE il.TrackId = 1"));
  compare_with_full(db, "2026-03-01");
  nightly(db, "2026-06-01");  // now 415 counts, and statuses move with the slot
  nightly(db, "2026-06-01");  // re-running the slot is harmless
  compare_with_full(db, "2026-06-01");
  CHECK(db.scalar("SELECT SUM(CustomerStatus = 'active') FROM customer_summary") ==
        db.scalar("SELECT COUNT(*) FROM (SELECT CustomerId FROM Invoice WHERE InvoiceDate <= "
                  "'2026-06-01' GROUP BY CustomerId HAVING MAX(InvoiceDate) >= '2026-06-01' - "
                  "INTERVAL 180 DAY) a"));
}

TEST_CASE("product_summary_etl_incremental sees two playlists swap names of equal length",
          "[chinook]") {
  AnalyticsSchema db("it_chinook_playlists");
  nightly(db, "2025-12-31");  // no state yet: runs the full refreshes
  // 'Classical 101 - Next Steps' and '... - The Basics' (25 tracks each) trade names. The XOR of
  // per-row CRC32s, which is linear, does not change under this swap; the fingerprint must.
  db.exec(
      "UPDATE Playlist SET Name = CASE PlaylistId WHEN 14 THEN 'Classical 101 - The Basics' "
      "ELSE 'Classical 101 - Next Steps' END WHERE PlaylistId IN (14, 15)");
  const std::string track_of_14 =
      "SELECT Playlists FROM product_summary_etl WHERE TrackId = (SELECT MIN(TrackId) FROM "
      "PlaylistTrack WHERE PlaylistId = 14)";
  const auto before = db.scalar(track_of_14);
  nightly(db, "2025-12-31");
  CHECK(db.scalar(track_of_14) != before);
  compare_with_full(db, "2025-12-31");
}

TEST_CASE("customer_summary_incremental counts a line whose invoice arrives after it",
          "[chinook]") {
  AnalyticsSchema db("it_chinook_orphan");
  nightly(db, "2025-12-31");  // no state yet: the full refresh
  db.exec("SET foreign_key_checks = 0");
  // Line 2241 is committed before its invoice 413 exists: not counted yet, and below the line
  // watermark once the invoice arrives. The invoice, new, brings its older line with it.
  db.exec("INSERT INTO InvoiceLine VALUES (2241, 413, 1, 0.99, 3)");
  nightly(db, "2025-12-31");
  CHECK(db.scalar("SELECT TotalTracks FROM customer_summary WHERE CustomerId = 5") ==
        db.scalar("SELECT SUM(il.Quantity) FROM InvoiceLine il JOIN Invoice i USING (InvoiceId) "
                  "WHERE i.CustomerId = 5"));
  db.exec(
      "INSERT INTO Invoice (InvoiceId, CustomerId, InvoiceDate, Total) VALUES "
      "(413, 5, '2025-12-30', 2.97)");
  nightly(db, "2025-12-31");
  CHECK(db.scalar("SELECT TotalTracks FROM customer_summary WHERE CustomerId = 5") ==
        db.scalar("SELECT SUM(il.Quantity) FROM InvoiceLine il JOIN Invoice i USING (InvoiceId) "
                  "WHERE i.CustomerId = 5"));
  db.exec("DROP TABLE IF EXISTS inc_customer_summary");
  db.exec("CREATE TABLE inc_customer_summary AS SELECT * FROM customer_summary");
  db.exec("CALL customer_summary('2025-12-31', 180)");
  CHECK(
      sqlcron::test::same_as_saved(db, "customer_summary", sqlcron::test::kCustomerSummaryColumns));
}

TEST_CASE(
    "customer_summary is a view over its rows and one AsOf, a table of an earlier version is "
    "replaced by either refresh",
    "[chinook]") {
  AnalyticsSchema db("it_chinook_layout");
  const std::string kind =
      "SELECT COALESCE(MAX(TABLE_TYPE), 'missing') FROM information_schema.TABLES WHERE "
      "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'customer_summary'";
  const std::string leftovers =
      "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND "
      "(TABLE_NAME LIKE '%\\_new' OR TABLE_NAME LIKE '%\\_old')";
  // An earlier version's customer_summary: a table with AsOf in every row.
  db.exec(
      "CREATE TABLE customer_summary (CustomerId INT NOT NULL PRIMARY KEY, AsOf DATETIME NOT "
      "NULL)");
  db.exec("INSERT INTO customer_summary VALUES (1, '2020-01-01')");
  db.exec("CALL customer_summary('2025-12-31', 180)");
  CHECK(db.scalar(kind) == "VIEW");
  CHECK(db.scalar("SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) FROM "
                  "information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = "
                  "'customer_summary'") ==
        "CustomerId,FirstName,LastName,Company,Address,City,State,Country,PostalCode,Phone,Fax,"
        "Email,SupportRepId,SupportRepName,TotalInvoices,TotalTracks,TotalSales,"
        "FirstPurchaseDate,LastPurchaseDate,CustomerStatus,AsOf,ChurnDays,RefreshedAt");
  CHECK(db.scalar("SELECT COUNT(*) FROM customer_summary") == "59");
  CHECK(db.scalar(leftovers) == "0");

  // The same with a nightly state of that version beside its table: the nightly path must not
  // run against the table, it runs the full refresh.
  nightly(db, "2025-12-31");
  db.exec("DROP VIEW customer_summary");
  db.exec(
      "CREATE TABLE customer_summary AS SELECT r.*, a.AsOf FROM customer_summary_rows r JOIN "
      "customer_summary_as_of a WHERE r.CustomerId <= 10");
  nightly(db, "2026-06-01");
  CHECK(db.scalar(kind) == "VIEW");
  CHECK(db.scalar("SELECT COUNT(*) FROM customer_summary") == "59");
  CHECK(db.scalar(leftovers) == "0");

  // A later night moves AsOf for every customer by writing one row, and the statuses with it.
  nightly(db, "2026-12-31");
  CHECK(db.scalar("SELECT COUNT(*) FROM customer_summary_as_of") == "1");
  CHECK(db.scalar("SELECT CONCAT(COUNT(DISTINCT AsOf), ' ', MIN(AsOf)) FROM customer_summary") ==
        "1 2026-12-31 00:00:00");
  CHECK(db.scalar("SELECT SUM(CustomerStatus = 'active') FROM customer_summary") == "0");
  compare_with_full(db, "2026-12-31");
}
