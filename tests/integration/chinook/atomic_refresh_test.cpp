// Atomic refresh of the Chinook pack's tables under concurrent readers, and the exactness of
// sale_summary('full'), which keeps the existing sale_summary only when it is identical to what a
// rebuild would load. See docs/chinook-pack.md.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mysql/connector.hpp"
#include "mysql/db_error.hpp"
#include "support/test_database.hpp"

namespace {

using sqlcron::mysql::Row;

struct Expected {
  std::string table;
  std::string count;
};

// Row counts on stock Chinook; they must hold for every read, before, during and after refreshes.
const std::vector<Expected> kExpected{{"customer_summary", "59"},
                                      {"product_summary_etl", "3503"},
                                      {"sale_summary", "2240"},
                                      {"sales_monthly", "60"}};

std::string scalar(sqlcron::mysql::Session& s, const std::string& sql) {
  return s.query(sql).rows.at(0).at(0).value_or("NULL");
}

// Problems seen by any thread, reported on the main thread.
class Problems {
 public:
  void add(std::string p) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (list_.size() < 20) list_.push_back(std::move(p));
    ++count_;
  }
  [[nodiscard]] std::vector<std::string> list() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return list_;
  }
  [[nodiscard]] int count() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return count_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> list_;
  int count_ = 0;
};

}  // namespace

TEST_CASE("refreshes swap tables atomically: concurrent readers always see complete tables",
          "[chinook][atomic]") {
  const std::string schema = "it_chinook_atomic";
  sqlcron::test::load_chinook(schema);
  sqlcron::test::apply_chinook_pack(schema);
  {
    auto s = sqlcron::test::connect(schema);
    s->execute_raw("CALL customer_summary('2025-12-31', 180)");
    s->execute_raw("CALL product_summary_etl()");
    s->execute_raw("CALL sale_summary('full')");
  }

  const sqlcron::mysql::Connector connector;
  const auto settings = sqlcron::test::test_settings(schema);
  std::atomic<bool> stop{false};
  std::atomic<bool> writer_running{true};
  std::atomic<long> reads{0};
  std::atomic<long> reads_during_refresh{0};
  Problems problems;

  const auto reader = [&](std::size_t first) {
    try {
      const sqlcron::mysql::Connector::ThreadScope scope(connector);
      auto s = connector.open(settings);
      for (std::size_t i = first; !stop.load(); ++i) {
        const auto& e = kExpected[i % kExpected.size()];
        const bool during = writer_running.load();
        try {
          const auto got = scalar(*s, "SELECT COUNT(*) FROM " + e.table);
          if (got != e.count) problems.add(e.table + ": read " + got + " rows, not " + e.count);
        } catch (const std::exception& ex) {
          problems.add(e.table + ": read failed: " + ex.what());
        }
        ++reads;
        if (during) ++reads_during_refresh;
      }
    } catch (const std::exception& ex) {
      problems.add(std::string("reader: ") + ex.what());
    }
  };

  const auto writer = [&] {
    try {
      const sqlcron::mysql::Connector::ThreadScope scope(connector);
      auto s = connector.open(settings);
      // 'full' keeps the identical sale_summary and swaps the three other tables; 'rebuild'
      // swaps all four; 'incremental' finds nothing new.
      const std::vector<std::string> calls{
          "CALL customer_summary('2025-12-31', 180)", "CALL product_summary_etl()",
          "CALL sale_summary('full')", "CALL sale_summary('rebuild')",
          "CALL sale_summary('incremental')"};
      for (int round = 0; round < 6; ++round) {
        for (const auto& c : calls) {
          try {
            s->execute_raw(c);
          } catch (const std::exception& ex) {
            problems.add(c + " failed: " + ex.what());
          }
        }
      }
    } catch (const std::exception& ex) {
      problems.add(std::string("writer: ") + ex.what());
    }
    writer_running = false;
  };

  std::vector<std::thread> threads;
  for (std::size_t r = 0; r < 3; ++r) threads.emplace_back(reader, r);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::thread w(writer);
  w.join();
  stop = true;
  for (auto& t : threads) t.join();

  INFO("problems: " << problems.count());
  for (const auto& p : problems.list()) UNSCOPED_INFO(p);
  CHECK(problems.count() == 0);
  CHECK(reads_during_refresh.load() > 30);

  auto s = sqlcron::test::connect(schema);
  for (const auto& e : kExpected) {
    INFO(e.table);
    CHECK(scalar(*s, "SELECT COUNT(*) FROM " + e.table) == e.count);
  }
  CHECK(s->query("SELECT CustomerId, TotalSales, TotalInvoices FROM customer_summary "
                 "ORDER BY TotalSales DESC LIMIT 1")
            .rows.at(0) == Row{"6", "49.62", "7"});
  CHECK(scalar(*s, "SELECT SUM(LineTotal) FROM sale_summary") == "2328.60");
  // No build or swap tables are left behind.
  CHECK(
      scalar(*s,
             "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
             "'it_chinook_atomic' AND (TABLE_NAME LIKE '%\\_new' OR TABLE_NAME LIKE '%\\_old')") ==
      "0");
}

TEST_CASE("sale_summary('full') picks up every change a rebuild would, byte for byte",
          "[chinook][atomic]") {
  const std::string schema = "it_chinook_full";
  sqlcron::test::load_chinook(schema);
  sqlcron::test::apply_chinook_pack(schema);
  auto s = sqlcron::test::connect(schema);
  s->execute_raw("CALL sale_summary('full')");
  s->execute_raw("CALL sale_summary('full')");  // kept: identical
  CHECK(s->query("SELECT COUNT(*), SUM(LineTotal) FROM sale_summary").rows.at(0) ==
        Row{"2240", "2328.60"});

  // Changes an incremental run does not see, including ones the case- and trailing-space-
  // insensitive default collation would call equal.
  s->execute_raw("UPDATE Customer SET LastName = UPPER(LastName) WHERE CustomerId = 1");
  s->execute_raw("UPDATE Genre SET Name = CONCAT(Name, ' ') WHERE GenreId = 1");
  s->execute_raw("UPDATE InvoiceLine SET Quantity = 2 WHERE InvoiceLineId = 10");
  s->execute_raw("DELETE FROM InvoiceLine WHERE InvoiceLineId = 20");
  s->execute_raw("CALL sale_summary('full')");

  CHECK(scalar(*s, "SELECT COUNT(*) FROM sale_summary") == "2239");
  CHECK(scalar(*s, "SELECT COUNT(*) FROM sale_summary WHERE InvoiceLineId = 20") == "0");
  CHECK(s->query("SELECT Quantity, LineTotal = 2 * UnitPrice FROM sale_summary "
                 "WHERE InvoiceLineId = 10")
            .rows.at(0) == Row{"2", "1"});
  CHECK(scalar(*s,
               "SELECT COUNT(*) FROM sale_summary s JOIN Customer c USING (CustomerId) "
               "WHERE s.CustomerId = 1 AND CAST(s.CustomerName AS BINARY) <> "
               "CAST(CONCAT(c.FirstName, ' ', UPPER(c.LastName)) AS BINARY)") == "0");
  CHECK(scalar(*s, "SELECT COUNT(*) FROM sale_summary WHERE CustomerId = 1") != "0");
  CHECK(scalar(*s,
               "SELECT COUNT(*) FROM sale_summary s JOIN Track t USING (TrackId) "
               "WHERE t.GenreId = 1 AND RIGHT(s.Genre, 1) <> ' '") == "0");
  // The monthly figures follow the base tables.
  CHECK(scalar(*s, "SELECT SUM(Revenue) FROM sales_monthly") ==
        scalar(*s,
               "SELECT SUM(il.UnitPrice * il.Quantity) FROM InvoiceLine il "
               "JOIN Invoice i USING (InvoiceId)"));

  // And everything equals a rebuild from scratch, row for row.
  const std::vector<std::string> tables{"sale_summary", "sale_customer_month", "sales_monthly",
                                        "customer_cohort"};
  for (const auto& t : tables) s->execute_raw("CREATE TABLE full_" + t + " AS SELECT * FROM " + t);
  s->execute_raw("CALL sale_summary('rebuild')");
  for (const auto& t : tables) {
    INFO(t);
    CHECK(scalar(*s, "SELECT COUNT(*) FROM " + t) == scalar(*s, "SELECT COUNT(*) FROM full_" + t));
    CHECK(scalar(*s, "SELECT COUNT(*) FROM (SELECT * FROM " + t + " UNION SELECT * FROM full_" + t +
                         ") u") == scalar(*s, "SELECT COUNT(*) FROM " + t));
  }
  CHECK(scalar(*s, "SELECT LastId FROM etl_watermark WHERE Name = 'sale_summary'") == "2240");
}
