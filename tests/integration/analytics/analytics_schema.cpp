#include "integration/analytics/analytics_schema.hpp"

#include "support/test_database.hpp"

namespace sqlcron::test {

AnalyticsSchema::AnalyticsSchema(const std::string& name) {
  load_chinook(name);
  apply_chinook_pack(name);
  apply_pack(name, "migrations/analytics");
  s_ = connect(name);
}

void AnalyticsSchema::exec(const std::string& sql) { s_->execute_raw(sql); }

mysql::Row AnalyticsSchema::row(const std::string& sql) { return s_->query(sql).rows.at(0); }

std::vector<mysql::Row> AnalyticsSchema::rows(const std::string& sql) {
  return s_->query(sql).rows;
}

std::string AnalyticsSchema::scalar(const std::string& sql) {
  return row(sql).at(0).value_or("NULL");
}

std::string AnalyticsSchema::checksum(const std::string& table) {
  return row("CHECKSUM TABLE " + table).at(1).value_or("NULL");
}

bool AnalyticsSchema::same_rows(const std::string& a, const std::string& b) {
  const auto n = scalar("SELECT COUNT(*) FROM " + a);
  return n == scalar("SELECT COUNT(*) FROM " + b) &&
         n == scalar("SELECT COUNT(*) FROM (SELECT * FROM " + a + " UNION SELECT * FROM " + b +
                     ") u");
}

const std::vector<std::string>& AnalyticsSchema::tables() {
  static const std::vector<std::string> names{
      "dim_date",          "dim_customer",        "dim_track",
      "fact_sales",        "fact_customer_month", "fact_customer",
      "fact_month",        "fact_cohort_month",   "customer_analytics",
      "monthly_metrics",   "cohort_retention",    "cohort_cumulative_retention",
      "business_insights", "analytics_pending"};
  return names;
}

const std::vector<std::string>& AnalyticsSchema::views() {
  static const std::vector<std::string> names{"customer_rfm", "customer_value", "campaign_targets",
                                              "customer_lifecycle"};
  return names;
}

}  // namespace sqlcron::test
