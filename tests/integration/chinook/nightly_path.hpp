// Helpers of the Chinook nightly path's tests: run the incremental refreshes, and compare what
// they left with the full refreshes, every column but RefreshedAt, row for row.
#pragma once

#include <string>

#include "integration/analytics/analytics_schema.hpp"

namespace sqlcron::test {

extern const std::string kCustomerSummaryColumns;
extern const std::string kProductSummaryColumns;

// Whether `table` and inc_<table> hold the same rows over `columns`.
bool same_as_saved(AnalyticsSchema& db, const std::string& table, const std::string& columns);

// customer_summary_incremental(as_of, 180) and product_summary_etl_incremental().
void nightly(AnalyticsSchema& db, const std::string& as_of);

// Saves both tables as inc_<table>, runs the full refreshes as of `as_of`, and CHECKs that
// they left the same rows.
void compare_with_full(AnalyticsSchema& db, const std::string& as_of);

}  // namespace sqlcron::test
