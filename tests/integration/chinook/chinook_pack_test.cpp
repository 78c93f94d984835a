#include <catch2/catch.hpp>

#include "support/test_database.hpp"

namespace {

std::string scalar(const std::string& sql) {
  return sqlcron::test::connect("Chinook")->query(sql).rows.at(0).at(0).value_or("NULL");
}

// Chinook is loaded and the pack applied once for this test binary's process.
void ensure_chinook() {
  static const bool loaded = [] {
    sqlcron::test::load_chinook("Chinook");
    sqlcron::test::apply_chinook_pack("Chinook");
    return true;
  }();
  (void)loaded;
}

}  // namespace

TEST_CASE("the three Chinook procedures produce one row per customer, track and line",
          "[chinook]") {
  ensure_chinook();
  auto s = sqlcron::test::connect("Chinook");
  s->execute_raw("CALL customer_summary(NULL, NULL)");
  s->execute_raw("CALL product_summary_etl()");
  s->execute_raw("CALL sale_summary('full')");
  CHECK(scalar("SELECT COUNT(*) FROM customer_summary") == "59");
  CHECK(scalar("SELECT COUNT(*) FROM product_summary_etl") == "3503");
  CHECK(scalar("SELECT COUNT(*) FROM sale_summary") == "2240");
}
