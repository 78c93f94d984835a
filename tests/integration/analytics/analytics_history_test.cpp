// The analytics pack over time: SCD type 2 history, incremental refreshes equal to full ones,
// re-running a slot, and the guard against mixing slots.
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "integration/analytics/analytics_schema.hpp"

namespace {

using sqlcron::mysql::Row;
using sqlcron::test::AnalyticsSchema;

void refresh(AnalyticsSchema& db, const std::string& as_of, const std::string& mode) {
  db.exec("CALL analytics_refresh('" + as_of + "', '" + mode + "')");
}

// Appends invoice `id` (one line per track, 0.99 each, line ids from `line`) for `customer`.
void add_invoice(AnalyticsSchema& db, int id, int customer, const std::string& date,
                 std::initializer_list<int> tracks, int line) {
  const auto total = std::to_string(tracks.size() * 99);
  db.exec(
      "INSERT INTO Invoice (InvoiceId, CustomerId, InvoiceDate, BillingCountry, Total) "
      "VALUES (" +
      std::to_string(id) + ", " + std::to_string(customer) + ", '" + date + "', 'Norway', " +
      total + " / 100)");
  for (const int t : tracks) {
    db.exec("INSERT INTO InvoiceLine VALUES (" + std::to_string(line++) + ", " +
            std::to_string(id) + ", " + std::to_string(t) + ", 0.99, 1)");
  }
}

}  // namespace

TEST_CASE("analytics: SCD2 history of a customer whose city changed between two refreshes",
          "[analytics]") {
  AnalyticsSchema db("it_analytics_scd");
  refresh(db, "2024-06-30", "full");
  CHECK(db.row("SELECT COUNT(*), MIN(valid_from), COUNT(valid_to), SUM(is_current) FROM "
               "dim_customer") == Row{"59", "1970-01-01 00:00:00", "0", "59"});
  const auto old_city = db.scalar("SELECT City FROM Customer WHERE CustomerId = 1");
  db.exec("UPDATE Customer SET City = 'Trondheim' WHERE CustomerId = 1");
  refresh(db, "2025-12-31", "incremental");

  CHECK(db.rows("SELECT City, valid_from, valid_to, is_current FROM dim_customer WHERE "
                "CustomerId = 1 ORDER BY valid_from") ==
        std::vector<Row>{{old_city, "1970-01-01 00:00:00", "2025-12-31 00:00:00", "0"},
                         {"Trondheim", "2025-12-31 00:00:00", std::nullopt, "1"}});
  CHECK(db.scalar("SELECT COUNT(*) FROM dim_customer") == "60");
  // Every fact line of customer 1 is dated before the change: all point to the old version.
  const auto old_key =
      db.scalar("SELECT customer_key FROM dim_customer WHERE CustomerId = 1 AND is_current = 0");
  const auto new_key =
      db.scalar("SELECT customer_key FROM dim_customer WHERE CustomerId = 1 AND is_current = 1");
  const auto lines_of_1 = db.scalar(
      "SELECT COUNT(*) FROM InvoiceLine il JOIN Invoice i USING (InvoiceId) WHERE "
      "i.CustomerId = 1");
  CHECK(db.scalar("SELECT COUNT(*) FROM fact_sales WHERE customer_key = " + old_key) == lines_of_1);

  // A purchase after the change points to the new version, incrementally and in full.
  db.exec("SET foreign_key_checks = 0");
  add_invoice(db, 413, 1, "2026-01-10 00:00:00", {1, 2}, 2241);
  refresh(db, "2026-01-31", "incremental");
  const auto keys =
      "SELECT customer_key, COUNT(*) FROM fact_sales f JOIN dim_customer d USING "
      "(customer_key) WHERE d.CustomerId = 1 GROUP BY customer_key ORDER BY 1";
  const std::vector<Row> expected{{old_key, lines_of_1}, {new_key, "2"}};
  CHECK(db.rows(keys) == expected);
  db.exec("CALL fact_sales('2026-01-31', 'full')");
  CHECK(db.rows(keys) == expected);
  // Re-running the same slot adds no version.
  refresh(db, "2026-01-31", "incremental");
  CHECK(db.scalar("SELECT COUNT(*) FROM dim_customer") == "60");
}

TEST_CASE("analytics: incremental refreshes equal full ones, re-running a slot changes nothing",
          "[analytics]") {
  AnalyticsSchema db("it_analytics_inc");
  refresh(db, "2025-12-31", "full");
  db.exec("SET foreign_key_checks = 0");
  // A new customer, a repeat purchase, a line added to an old invoice, and an invoice dated
  // after the next slot (it must wait for a later one).
  db.exec(
      "INSERT INTO Customer (CustomerId, FirstName, LastName, Email, Country) VALUES "
      "(60, 'New', 'Customer', 'new@example.com', 'Norway')");
  add_invoice(db, 413, 60, "2026-01-05 00:00:00", {1, 2}, 2241);
  add_invoice(db, 414, 6, "2026-01-20 10:00:00", {3}, 2243);
  add_invoice(db, 415, 7, "2026-03-01 00:00:00", {4, 5, 6}, 2244);
  db.exec("INSERT INTO InvoiceLine VALUES (2247, 412, 7, 0.99, 1)");
  db.exec("UPDATE Invoice SET Total = Total + 0.99 WHERE InvoiceId = 412");
  db.exec("UPDATE Customer SET Email = 'moved@example.com' WHERE CustomerId = 2");

  for (const std::string as_of : {"2026-02-01 00:00:00", "2026-03-15 00:00:00"}) {
    INFO(as_of);
    refresh(db, as_of, "incremental");
    std::vector<std::string> names = AnalyticsSchema::tables();
    names.insert(names.end(), AnalyticsSchema::views().begin(), AnalyticsSchema::views().end());
    for (const auto& t : names) {
      db.exec("DROP TABLE IF EXISTS inc_" + t);
      db.exec("CREATE TABLE inc_" + t + " AS SELECT * FROM " + t);
    }
    refresh(db, as_of, "full");
    for (const auto& t : names) {
      INFO(t);
      CHECK(db.same_rows(t, "inc_" + t));
    }
  }
  CHECK(db.scalar("SELECT COUNT(*) FROM fact_sales") == "2247");
  CHECK(db.scalar("SELECT frequency FROM customer_rfm WHERE CustomerId = 60") == "1");
  CHECK(db.scalar("SELECT COUNT(*) FROM analytics_pending") == "0");

  // Re-running the slot, incrementally or in full, leaves every table as it was.
  std::vector<std::string> before;
  for (const auto& t : AnalyticsSchema::tables()) before.push_back(db.checksum(t));
  refresh(db, "2026-03-15", "incremental");
  refresh(db, "2026-03-15", "full");
  for (std::size_t i = 0; i < before.size(); ++i) {
    INFO(AnalyticsSchema::tables()[i]);
    CHECK(db.checksum(AnalyticsSchema::tables()[i]) == before[i]);
  }
}

TEST_CASE("analytics: a business table refuses inputs of another slot", "[analytics]") {
  AnalyticsSchema db("it_analytics_guard");
  refresh(db, "2025-12-31", "full");
  CHECK_THROWS_WITH(db.exec("CALL customer_analytics('2026-01-31', 'incremental')"),
                    Catch::Contains("fact_customer_month is not as of p_as_of"));
  CHECK_THROWS_WITH(db.exec("CALL monthly_metrics('2025-12-31', 'bogus')"),
                    Catch::Contains("unknown mode"));
  CHECK_THROWS_WITH(db.exec("CALL fact_sales('2026-01-31', 'bogus')"),
                    Catch::Contains("unknown mode"));
  // The failed calls left the tables as they were and no build tables behind.
  CHECK(db.scalar("SELECT COUNT(*) FROM customer_rfm") == "59");
  CHECK(db.scalar("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
                  "'it_analytics_guard' AND (TABLE_NAME LIKE '%\\_new' OR TABLE_NAME LIKE "
                  "'%\\_old')") == "0");
}

TEST_CASE(
    "analytics: an incremental night swaps no table in, a changed track and a full refresh do",
    "[analytics]") {
  const std::string schema = "it_analytics_ddl";
  AnalyticsSchema db(schema);
  refresh(db, "2025-12-23", "full");
  // InnoDB's id of a table changes when it is rebuilt and swapped in, not when rows change.
  const auto table_id = [&](const std::string& t) {
    return db.scalar("SELECT TABLE_ID FROM information_schema.INNODB_SYS_TABLES WHERE NAME = '" +
                     schema + "/" + t + "'");
  };
  const std::vector<std::string> kept{
      "dim_date",        "dim_customer",        "dim_track",
      "fact_sales",      "fact_customer_month", "fact_customer",
      "fact_month",      "fact_cohort_month",   "customer_analytics",
      "monthly_metrics", "cohort_retention",    "cohort_cumulative_retention"};
  std::map<std::string, std::string> ids;
  for (const auto& t : kept) ids[t] = table_id(t);

  db.exec("SET foreign_key_checks = 0");
  add_invoice(db, 413, 6, "2025-12-25 10:00:00", {3}, 2241);  // the same year: same dim_date
  refresh(db, "2025-12-31", "incremental");
  for (const auto& t : kept) {
    INFO(t);
    CHECK(table_id(t) == ids[t]);
  }
  CHECK(db.row("SELECT COUNT(*), MIN(as_of) FROM monthly_metrics") ==
        Row{"60", "2025-12-31 00:00:00"});
  CHECK(db.row("SELECT frequency, as_of FROM customer_rfm WHERE CustomerId = 6") ==
        Row{"8", "2025-12-31 00:00:00"});

  // A renamed track: dim_track is rebuilt (and swapped in) with the new name.
  db.exec("UPDATE Track SET Name = 'Renamed' WHERE TrackId = 10");
  refresh(db, "2025-12-31", "incremental");
  CHECK(table_id("dim_track") != ids["dim_track"]);
  CHECK(db.scalar("SELECT track_name FROM dim_track WHERE TrackId = 10") == "Renamed");
  // A full refresh swaps in the tables it rebuilds.
  refresh(db, "2025-12-31", "full");
  for (const std::string t : {"fact_sales", "customer_analytics", "monthly_metrics"}) {
    INFO(t);
    CHECK(table_id(t) != ids[t]);
  }
}
