// The analytics pack on the stock Chinook data. Expected values come from simple queries on the
// base tables (or are computed here in C++ from them), never from the pack's own tables.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "integration/analytics/analytics_schema.hpp"
#include "mysql/db_error.hpp"

namespace {

using sqlcron::mysql::Row;
using sqlcron::test::AnalyticsSchema;

void refresh(AnalyticsSchema& db, const std::string& as_of, const std::string& mode) {
  db.exec("CALL analytics_refresh('" + as_of + "', '" + mode + "')");
}

// The invoices that count as of `as_of`, as a derived table.
std::string invoices(const std::string& as_of) {
  return "(SELECT * FROM Invoice WHERE InvoiceDate <= '" + as_of + "')";
}

// NTILE(5) of the 1-based position `pos` among `n` rows: the first n % 5 tiles get one row more.
int ntile5(int pos, int n) {
  const int q = n / 5;
  const int r = n % 5;
  const int big = r * (q + 1);
  if (pos <= big) return (pos + q) / (q + 1);
  return r + (pos - big + q - 1) / q;
}

struct Customer {
  int id = 0;
  long recency = 0;
  long frequency = 0;
  long cents = 0;  // monetary in cents: exact
  int r = 0, f = 0, m = 0;
};

std::string segment(const Customer& c) {
  if (c.r >= 4 && c.f >= 4 && c.m >= 4) return "champions";
  if (c.f >= 4) return "loyal";
  if (c.r >= 4 && c.f <= 2) return "new";
  if (c.r <= 2 && c.f >= 3) return "at_risk";
  if (c.r <= 2 && c.f <= 2) return "lost";
  return "needs_attention";
}

// RFM scores computed here from per-customer figures of the base tables.
std::map<int, Customer> expected_rfm(AnalyticsSchema& db, const std::string& as_of) {
  std::vector<Customer> cs;
  for (const auto& r : db.rows(
           "SELECT CustomerId, DATEDIFF('" + as_of + "', MAX(InvoiceDate)), COUNT(*), " +
           "CAST(SUM(Total) * 100 AS SIGNED) FROM " + invoices(as_of) + " i GROUP BY CustomerId")) {
    cs.push_back(Customer{std::stoi(*r[0]), std::stol(*r[1]), std::stol(*r[2]), std::stol(*r[3])});
  }
  const int n = static_cast<int>(cs.size());
  const auto score = [&](auto less, int Customer::*field) {
    std::sort(cs.begin(), cs.end(), less);
    for (int i = 0; i < n; ++i) cs[i].*field = ntile5(i + 1, n);
  };
  score(
      [](const Customer& a, const Customer& b) {
        return a.recency != b.recency ? a.recency > b.recency : a.id < b.id;
      },
      &Customer::r);
  score(
      [](const Customer& a, const Customer& b) {
        return a.frequency != b.frequency ? a.frequency < b.frequency : a.id < b.id;
      },
      &Customer::f);
  score([](const Customer& a,
           const Customer& b) { return a.cents != b.cents ? a.cents < b.cents : a.id < b.id; },
        &Customer::m);
  std::map<int, Customer> out;
  for (const auto& c : cs) out[c.id] = c;
  return out;
}

}  // namespace

TEST_CASE("analytics: row counts of every table as of two slots", "[analytics]") {
  AnalyticsSchema db("it_analytics");
  for (const std::string as_of : {"2025-12-31 00:00:00", "2023-06-30 12:00:00"}) {
    INFO(as_of);
    refresh(db, as_of, "full");
    const auto inv = invoices(as_of);
    CHECK(db.scalar("SELECT COUNT(*) FROM dim_date") ==
          db.scalar("SELECT DATEDIFF(MAKEDATE(YEAR(MAX(InvoiceDate)) + 1, 1), "
                    "MAKEDATE(YEAR(MIN(InvoiceDate)), 1)) FROM " +
                    inv + " i"));
    CHECK(db.scalar("SELECT COUNT(*) FROM dim_customer") == "59");
    CHECK(db.scalar("SELECT COUNT(*) FROM dim_track") == "3503");
    CHECK(db.row("SELECT COUNT(*), SUM(line_total) FROM fact_sales") ==
          db.row("SELECT COUNT(*), SUM(il.UnitPrice * il.Quantity) FROM InvoiceLine il JOIN " +
                 inv + " i ON i.InvoiceId = il.InvoiceId"));
    CHECK(db.row("SELECT COUNT(*), SUM(orders), SUM(revenue) FROM fact_customer_month") ==
          db.row("SELECT COUNT(DISTINCT CustomerId, DATE_FORMAT(InvoiceDate, '%Y-%m')), "
                 "COUNT(*), SUM(Total) FROM " +
                 inv + " i"));
    const auto customers = db.scalar("SELECT COUNT(DISTINCT CustomerId) FROM " + inv + " i");
    for (const std::string t :
         {"customer_rfm", "customer_value", "campaign_targets", "customer_lifecycle"}) {
      INFO(t);
      CHECK(db.scalar("SELECT COUNT(*) FROM " + t) == customers);
    }
    CHECK(db.scalar("SELECT COUNT(*) FROM monthly_metrics") ==
          db.scalar("SELECT COUNT(DISTINCT DATE_FORMAT(InvoiceDate, '%Y-%m')) FROM " + inv + " i"));
    const auto cohorts =
        "(SELECT CustomerId, MIN(InvoiceDate) AS first FROM " + inv + " i GROUP BY CustomerId) c";
    CHECK(db.scalar("SELECT COUNT(*) FROM cohort_retention") ==
          db.scalar("SELECT SUM(PERIOD_DIFF(EXTRACT(YEAR_MONTH FROM '" + as_of +
                    "'), EXTRACT(YEAR_MONTH FROM x.m)) + 1) FROM (SELECT DISTINCT "
                    "DATE_FORMAT(first, '%Y-%m-01') AS m FROM " +
                    cohorts + ") x"));
    CHECK(db.scalar("SELECT COUNT(*) FROM cohort_cumulative_retention") ==
          db.scalar("SELECT COUNT(DISTINCT DATE_FORMAT(first, '%Y-%m')) FROM " + cohorts));
    CHECK(db.scalar("SELECT COUNT(*) FROM business_insights WHERE as_of = '" + as_of + "'") == "6");
  }
  // Stock figures (docs/analytics-pack.md): 2021-2025 is 1826 days; 412 customer-months.
  CHECK(db.scalar("SELECT COUNT(*) FROM business_insights") == "12");
  refresh(db, "2025-12-31", "full");
  CHECK(db.row("SELECT COUNT(*), MIN(date_key), MAX(date_key) FROM dim_date") ==
        Row{"1826", "20210101", "20251231"});
  CHECK(db.row("SELECT `year_month`, iso_weekday, weekday_name, iso_week, is_weekend FROM "
               "dim_date WHERE `date` = '2023-01-01'") == Row{"2023-01", "7", "Sunday", "52", "1"});
  CHECK(db.scalar("SELECT COUNT(*) FROM fact_customer_month") == "412");
}

TEST_CASE("analytics: RFM scores and segments match a computation from the invoices",
          "[analytics]") {
  AnalyticsSchema db("it_analytics_rfm");
  for (const std::string as_of : {"2025-12-31 00:00:00", "2023-06-30 12:00:00"}) {
    INFO(as_of);
    refresh(db, as_of, "full");
    const auto expected = expected_rfm(db, as_of);
    const auto got = db.rows(
        "SELECT CustomerId, recency_days, frequency, CAST(monetary * 100 AS SIGNED), r_score, "
        "f_score, m_score, segment, rfm_cell FROM customer_rfm ORDER BY CustomerId");
    REQUIRE(got.size() == expected.size());
    for (const auto& r : got) {
      const auto& e = expected.at(std::stoi(*r[0]));
      INFO("customer " << e.id);
      CHECK(std::stol(*r[1]) == e.recency);
      CHECK(std::stol(*r[2]) == e.frequency);
      CHECK(std::stol(*r[3]) == e.cents);
      CHECK(std::stoi(*r[4]) == e.r);
      CHECK(std::stoi(*r[5]) == e.f);
      CHECK(std::stoi(*r[6]) == e.m);
      CHECK(*r[7] == segment(e));
      CHECK(*r[8] == std::to_string(e.r) + std::to_string(e.f) + std::to_string(e.m));
    }
  }
  // One customer by hand, as of 2025-12-31: customer 6, the top spender (49.62 over 7
  // invoices, the last on 2025-11-13: 48 days), scores R 5 and M 5 but F 1: nearly every
  // customer has 7 invoices, and that tie is broken by CustomerId, so 6 lands in the first
  // tile. R>=4 and F<=2 make it 'new' (docs/analytics-pack.md).
  refresh(db, "2025-12-31", "full");
  CHECK(db.row("SELECT recency_days, frequency, monetary, r_score, f_score, m_score, segment "
               "FROM customer_rfm WHERE CustomerId = 6") ==
        db.row("SELECT DATEDIFF('2025-12-31', MAX(InvoiceDate)), COUNT(*), SUM(Total), 5, 1, 5, "
               "'new' FROM Invoice WHERE CustomerId = 6"));
}

TEST_CASE("analytics: customer value, churn, campaigns and lifecycle follow their formulas",
          "[analytics]") {
  AnalyticsSchema db("it_analytics_value");
  refresh(db, "2025-12-31", "full");
  // Every row against the formulas evaluated on the base tables.
  const std::string base =
      "(SELECT CustomerId, DATEDIFF('2025-12-31', MAX(InvoiceDate)) AS rec, COUNT(*) AS freq, "
      "SUM(Total) AS mon, DATEDIFF(MAX(InvoiceDate), MIN(InvoiceDate)) + 1 AS ten, "
      "MIN(InvoiceDate) AS first FROM Invoice GROUP BY CustomerId) b";
  const std::string churn =
      "(SELECT b.*, ROUND(LEAST(1, b.rec * GREATEST(b.freq - 1, 1) / (3 * b.ten)), 4) AS cp FROM " +
      base + ") c";
  CHECK(db.scalar(
            "SELECT COUNT(*) FROM customer_value v JOIN " + churn +
            " ON c.CustomerId = v.CustomerId WHERE v.tenure_days = c.ten AND v.typical_gap_days = "
            "ROUND(c.ten / GREATEST(c.freq - 1, 1), 2) AND v.churn_probability = c.cp AND "
            "v.churn_band = CASE WHEN c.cp < 0.34 THEN 'low' WHEN c.cp < 0.67 THEN 'medium' "
            "ELSE 'high' END AND v.avg_order_value = ROUND(c.mon / c.freq, 2) AND "
            "v.orders_per_year = ROUND(c.freq * 365.25 / GREATEST(c.ten, 30), 4) AND "
            "v.historic_ltv = c.mon AND v.predicted_ltv_3y = ROUND(c.mon / c.freq * c.freq * "
            "365.25 / GREATEST(c.ten, 30) * 3 * (1 - c.cp), 2)") == "59");
  // Customer 1: last invoice 2025-08-07 (146 days), 7 invoices over 1246 days:
  // churn = 146 * 6 / (3 * 1246) = 0.2343.
  CHECK(db.row("SELECT recency_days, tenure_days, typical_gap_days, churn_probability, "
               "churn_band, predicted_ltv_3y FROM customer_value WHERE CustomerId = 1") ==
        Row{"146", "1246", "207.67", "0.2343", "low", "26.68"});
  CHECK(db.scalar("SELECT COUNT(*) FROM campaign_targets t JOIN customer_rfm r USING (CustomerId) "
                  "JOIN customer_value v USING (CustomerId) WHERE t.priority_score = "
                  "0.4 * r.m_score / 5 + 0.3 * v.churn_probability + 0.3 * r.f_score / 5 AND "
                  "t.campaign = ELT(FIELD(r.segment, 'champions', 'loyal', 'new', 'at_risk', "
                  "'lost', 'needs_attention'), 'vip_reward', 'upsell', 'onboarding', 'win_back', "
                  "'reactivation', 'nurture')") == "59");
  // Ranks: 1..n within each campaign, by score descending.
  CHECK(db.scalar("SELECT COUNT(*) FROM campaign_targets a JOIN campaign_targets b ON "
                  "a.campaign = b.campaign AND a.campaign_rank < b.campaign_rank WHERE "
                  "a.priority_score < b.priority_score OR (a.priority_score = b.priority_score "
                  "AND a.CustomerId > b.CustomerId)") == "0");
  CHECK(db.scalar("SELECT COUNT(*) FROM (SELECT campaign FROM campaign_targets GROUP BY campaign "
                  "HAVING MAX(campaign_rank) <> COUNT(*)) x") == "0");
  // Lifecycle: nobody's first purchase is within 90 days; stages follow the churn bands.
  CHECK(db.scalar("SELECT COUNT(*) FROM customer_lifecycle l JOIN customer_value v USING "
                  "(CustomerId) WHERE l.stage = ELT(FIELD(v.churn_band, 'low', 'medium', 'high'), "
                  "'active', 'at_risk', 'churned') AND l.days_in_stage = 0") == "59");
  // Half a year later (no new invoices) churn rises: stages change and restart their count;
  // two months after that the unchanged ones have been in their stage for 61 days.
  db.exec("CALL analytics_refresh('2026-06-30', 'incremental')");
  db.exec("CALL analytics_refresh('2026-08-30', 'incremental')");
  CHECK(db.scalar("SELECT COUNT(*) FROM customer_lifecycle l JOIN customer_value v USING "
                  "(CustomerId) WHERE l.stage <> ELT(FIELD(v.churn_band, 'low', 'medium', "
                  "'high'), 'active', 'at_risk', 'churned')") == "0");
  CHECK(db.scalar("SELECT COUNT(*) FROM customer_lifecycle WHERE NOT (stage_since IN "
                  "('2025-12-31', '2026-06-30', '2026-08-30') AND days_in_stage = "
                  "DATEDIFF('2026-08-30', stage_since))") == "0");
}

TEST_CASE("analytics: monthly metrics, cohort retention at 3, 12 and 18 months, insights",
          "[analytics]") {
  AnalyticsSchema db("it_analytics_cohort");
  for (const std::string as_of : {"2025-12-31 00:00:00", "2022-09-15 00:00:00"}) {
    INFO(as_of);
    refresh(db, as_of, "full");
    const auto inv = invoices(as_of);
    CHECK(db.row("SELECT revenue, orders, active_customers, new_customers FROM monthly_metrics "
                 "WHERE month_start = '2021-02-01'") ==
          db.row("SELECT SUM(Total), COUNT(*), COUNT(DISTINCT CustomerId), "
                 "(SELECT COUNT(*) FROM (SELECT CustomerId FROM Invoice GROUP BY CustomerId "
                 "HAVING MIN(InvoiceDate) >= '2021-02-01' AND MIN(InvoiceDate) < '2021-03-01') n) "
                 "FROM Invoice WHERE InvoiceDate >= '2021-02-01' AND InvoiceDate < '2021-03-01'"));
    // Every cohort, k = 3, 12, 18: repeat buyers in months 1..k after the cohort month, or NULL
    // while the window is not over.
    const auto first =
        "(SELECT CustomerId, CAST(DATE_FORMAT(MIN(InvoiceDate), '%Y-%m-01') AS "
        "DATE) AS cm FROM " +
        inv + " i GROUP BY CustomerId) f";
    for (const int k : {3, 12, 18}) {
      INFO("k = " << k);
      const auto k_s = std::to_string(k);
      const auto expected = db.rows(
          "SELECT f.cm, COUNT(*), CASE WHEN f.cm + INTERVAL " + std::to_string(k + 1) +
          " MONTH <= '" + as_of + "' THEN ROUND(100 * SUM(EXISTS (SELECT 1 FROM " + inv +
          " j WHERE j.CustomerId = f.CustomerId AND j.InvoiceDate >= f.cm + INTERVAL 1 MONTH AND "
          "j.InvoiceDate < f.cm + INTERVAL " +
          std::to_string(k + 1) + " MONTH)) / COUNT(*), 2) END FROM " + first +
          " GROUP BY f.cm ORDER BY f.cm");
      const auto got = db.rows("SELECT cohort_month, cohort_size, retention_" + k_s +
                               "m FROM cohort_cumulative_retention ORDER BY cohort_month");
      CHECK(got == expected);
    }
  }
  // The first cohort by hand (as of 2025-12-31): 6 customers in January 2021; 2 bought again by
  // April, 4 by January 2022, 5 by July 2022.
  refresh(db, "2025-12-31", "full");
  CHECK(db.row("SELECT cohort_size, retention_3m, retention_12m, retention_18m FROM "
               "cohort_cumulative_retention WHERE cohort_month = '2021-01-01'") ==
        Row{"6", "33.33", "66.67", "83.33"});
  CHECK(db.row("SELECT active_customers, retention_pct FROM cohort_retention WHERE "
               "cohort_month = '2021-01-01' AND months_since = 0") == Row{"6", "100.00"});
  // As of 2022-09-15 the 2022-07 cohort's 3-month window (Aug-Oct) is not over.
  refresh(db, "2022-09-15", "full");
  CHECK(db.row("SELECT retention_3m, retention_12m FROM cohort_cumulative_retention WHERE "
               "cohort_month = '2022-07-01'") == Row{std::nullopt, std::nullopt});
  // Insights of 2025-11 (the last complete month as of 2025-12-31) against the invoices.
  refresh(db, "2025-12-31", "full");
  CHECK(db.row("SELECT period_month, value, previous_value FROM business_insights WHERE as_of = "
               "'2025-12-31' AND metric = 'revenue'") ==
        db.row("SELECT '2025-11-01', SUM(CASE WHEN InvoiceDate >= '2025-11-01' THEN Total END), "
               "SUM(CASE WHEN InvoiceDate < '2025-11-01' THEN Total END) FROM Invoice WHERE "
               "InvoiceDate >= '2025-10-01' AND InvoiceDate < '2025-12-01'"));
  CHECK(db.row("SELECT detail, value FROM business_insights WHERE as_of = '2025-12-31' AND "
               "metric = 'top_genre'") ==
        db.row("SELECT g.Name, SUM(il.UnitPrice * il.Quantity) FROM InvoiceLine il JOIN Invoice "
               "i ON i.InvoiceId = il.InvoiceId JOIN Track t ON t.TrackId = il.TrackId JOIN Genre "
               "g ON g.GenreId = t.GenreId WHERE i.InvoiceDate >= '2025-11-01' AND i.InvoiceDate "
               "< '2025-12-01' GROUP BY g.Name ORDER BY 2 DESC, 1 LIMIT 1"));
  CHECK(db.row("SELECT value, change_pct, flagged FROM business_insights WHERE as_of = "
               "'2025-12-31' AND metric = 'revenue'") == Row{"49.62", "31.90", "1"});
}
