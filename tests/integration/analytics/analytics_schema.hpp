// AnalyticsSchema: a test schema holding fresh stock Chinook with the Chinook and analytics packs
// applied, and helpers to run SQL and read single values. Throws (DbError) on any SQL error.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mysql/session.hpp"

namespace sqlcron::test {

class AnalyticsSchema {
 public:
  explicit AnalyticsSchema(const std::string& name);

  void exec(const std::string& sql);
  mysql::Row row(const std::string& sql);
  std::vector<mysql::Row> rows(const std::string& sql);
  std::string scalar(const std::string& sql);
  // CHECKSUM TABLE of `table`: equal contents give equal checksums, also across a swap.
  std::string checksum(const std::string& table);
  // Whether `a` and `b` hold the same rows (same count, and their UNION no larger).
  bool same_rows(const std::string& a, const std::string& b);

  // The tables of the analytics pack (analytics_watermark, whose UpdatedAt moves, excluded).
  static const std::vector<std::string>& tables();
  // The views of the analytics pack (the per-customer tables, over customer_analytics).
  static const std::vector<std::string>& views();

 private:
  std::unique_ptr<mysql::Session> s_;
};

}  // namespace sqlcron::test
