#include "integration/chinook/nightly_path.hpp"

#include <catch2/catch.hpp>

namespace sqlcron::test {

const std::string kCustomerSummaryColumns =
    "CustomerId, FirstName, LastName, Company, Address, City, State, Country, PostalCode, Phone, "
    "Fax, Email, SupportRepId, SupportRepName, TotalInvoices, TotalTracks, TotalSales, "
    "FirstPurchaseDate, LastPurchaseDate, CustomerStatus, AsOf, ChurnDays";
const std::string kProductSummaryColumns =
    "TrackId, TrackName, AlbumTitle, ArtistName, MediaType, Genre, Composer, UnitPrice, "
    "Milliseconds, Playlists, TotalSales, TotalQuantity, TotalInvoices, TotalCustomers";

bool same_as_saved(AnalyticsSchema& db, const std::string& table, const std::string& columns) {
  const auto n = db.scalar("SELECT COUNT(*) FROM " + table);
  return n == db.scalar("SELECT COUNT(*) FROM inc_" + table) &&
         n == db.scalar("SELECT COUNT(*) FROM (SELECT " + columns + " FROM " + table +
                        " UNION SELECT " + columns + " FROM inc_" + table + ") u");
}

void nightly(AnalyticsSchema& db, const std::string& as_of) {
  db.exec("CALL customer_summary_incremental('" + as_of + "', 180)");
  db.exec("CALL product_summary_etl_incremental()");
}

void compare_with_full(AnalyticsSchema& db, const std::string& as_of) {
  for (const std::string t : {"customer_summary", "product_summary_etl"}) {
    db.exec("DROP TABLE IF EXISTS inc_" + t);
    db.exec("CREATE TABLE inc_" + t + " AS SELECT * FROM " + t);
  }
  db.exec("CALL customer_summary('" + as_of + "', 180)");
  db.exec("CALL product_summary_etl()");
  CHECK(same_as_saved(db, "customer_summary", kCustomerSummaryColumns));
  CHECK(same_as_saved(db, "product_summary_etl", kProductSummaryColumns));
}

}  // namespace sqlcron::test
