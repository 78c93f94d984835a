-- sqlcron: repeatable
-- monthly_metrics(p_as_of DATETIME, p_mode VARCHAR(16))
--
-- Rebuilds table monthly_metrics from fact_month and fact_customer (kept by fact_customer_month,
-- refreshed for the same p_as_of, otherwise SQLSTATE 45000): one row per calendar month with at
-- least one invoice dated on or before p_as_of: month_start, `year_month` ('YYYY-MM'), revenue
-- (sum of Invoice.Total), orders (invoices), active_customers (customers with an invoice that
-- month), new_customers (customers whose first invoice is in that month), avg_order_value =
-- ROUND(revenue / orders, 2), prev_month_revenue (revenue of the calendar month before; NULL when
-- that month has no row), revenue_change_pct = ROUND(100 * (revenue - prev_month_revenue) /
-- prev_month_revenue, 2) (NULL without a previous month or when it is 0), as_of = p_as_of.
--
-- Every row is computed anew either way (one per month: small); the modes differ in how they are
-- written, atomically both: 'full' builds monthly_metrics_new and swaps it in with RENAME TABLE;
-- 'incremental' replaces the rows in one transaction (no DDL: three DDL statements cost more than
-- writing the rows). NULL p_as_of = NOW(); NULL p_mode = 'incremental'; another mode: SQLSTATE
-- 45000. Serialised by a named lock.

CREATE TABLE IF NOT EXISTS monthly_metrics (
  month_start         DATE          NOT NULL,
  `year_month`        CHAR(7)       NOT NULL,
  revenue             DECIMAL(14,2) NOT NULL,
  orders              INT           NOT NULL,
  active_customers    INT           NOT NULL,
  new_customers       INT           NOT NULL,
  avg_order_value     DECIMAL(14,2) NOT NULL,
  prev_month_revenue  DECIMAL(14,2) NULL,
  revenue_change_pct  DECIMAL(12,2) NULL,
  as_of               DATETIME      NOT NULL,
  PRIMARY KEY (month_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

DROP PROCEDURE IF EXISTS monthly_metrics;

DELIMITER $$
CREATE PROCEDURE monthly_metrics(IN p_as_of DATETIME, IN p_mode VARCHAR(16))
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
  COMMENT 'Atomically rebuild monthly_metrics (sqlcron analytics pack)'
BEGIN
  DECLARE v_as_of DATETIME DEFAULT COALESCE(p_as_of, NOW());
  DECLARE v_mode VARCHAR(16) DEFAULT LOWER(COALESCE(p_mode, 'incremental'));
  DECLARE v_lock VARCHAR(64) DEFAULT CONCAT(LEFT(DATABASE(), 40), '.monthly_metrics');
  DECLARE v_locked BOOLEAN DEFAULT FALSE;

  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    ROLLBACK;
    DROP TEMPORARY TABLE IF EXISTS monthly_metrics_rows;
    IF v_locked THEN
      DROP TABLE IF EXISTS monthly_metrics_new;
      DO RELEASE_LOCK(v_lock);
    END IF;
    RESIGNAL;
  END;

  IF DATABASE() IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'monthly_metrics: no default schema selected';
  END IF;
  IF v_mode NOT IN ('full', 'incremental') THEN
    SIGNAL SQLSTATE '45000'
      SET MESSAGE_TEXT = 'monthly_metrics: unknown mode; use ''full'' or ''incremental''';
  END IF;
  IF COALESCE(GET_LOCK(v_lock, 0), 0) <> 1 THEN
    SIGNAL SQLSTATE '45000'
      SET MESSAGE_TEXT = 'monthly_metrics: another refresh is running in this schema';
  END IF;
  SET v_locked = TRUE;
  IF NOT EXISTS (SELECT 1 FROM analytics_watermark
                  WHERE Name = 'fact_customer_month' AND AsOf = v_as_of) THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
      'monthly_metrics: fact_customer_month is not as of p_as_of; refresh it first';
  END IF;

  DROP TEMPORARY TABLE IF EXISTS monthly_metrics_rows;
  CREATE TEMPORARY TABLE monthly_metrics_rows LIKE monthly_metrics;
  -- LAG gives the previous row; it is the previous calendar month only when adjacent.
  INSERT INTO monthly_metrics_rows
  SELECT w.month_start, DATE_FORMAT(w.month_start, '%Y-%m'), w.revenue, w.orders, w.active,
         w.new_customers, ROUND(w.revenue / w.orders, 2), w.prev_revenue,
         CASE WHEN w.prev_revenue <> 0
              THEN ROUND(100 * (w.revenue - w.prev_revenue) / w.prev_revenue, 2) END,
         v_as_of
    FROM (SELECT m.month_start, m.revenue, m.orders, m.active,
                 COALESCE(n.new_customers, 0) AS new_customers,
                 CASE WHEN LAG(m.month_start) OVER (ORDER BY m.month_start)
                           = m.month_start - INTERVAL 1 MONTH
                      THEN LAG(m.revenue) OVER (ORDER BY m.month_start) END AS prev_revenue
            FROM (SELECT month_start, revenue, orders, active_customers AS active
                    FROM fact_month) m
            LEFT JOIN (SELECT cohort_month AS first_month, COUNT(*) AS new_customers
                         FROM fact_customer GROUP BY cohort_month) n
              ON n.first_month = m.month_start) w;

  IF v_mode = 'full' THEN
    -- Leftovers of a crash only (a DROP TABLE IF EXISTS costs as much as a real DDL statement).
    IF EXISTS (SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()
                  AND TABLE_NAME IN ('monthly_metrics_new', 'monthly_metrics_old')) THEN
      DROP TABLE IF EXISTS monthly_metrics_new, monthly_metrics_old;
    END IF;
    CREATE TABLE monthly_metrics_new LIKE monthly_metrics;
    INSERT INTO monthly_metrics_new SELECT * FROM monthly_metrics_rows ORDER BY month_start;
    RENAME TABLE monthly_metrics TO monthly_metrics_old, monthly_metrics_new TO monthly_metrics;
    DROP TABLE monthly_metrics_old;
    START TRANSACTION;
  ELSE
    START TRANSACTION;
    DELETE FROM monthly_metrics;
    INSERT INTO monthly_metrics SELECT * FROM monthly_metrics_rows ORDER BY month_start;
  END IF;
  INSERT INTO analytics_watermark (Name, LastId, LastId2, AsOf, UpdatedAt)
  VALUES ('monthly_metrics', 0, 0, v_as_of, NOW(6))
  ON DUPLICATE KEY UPDATE AsOf = v_as_of, UpdatedAt = NOW(6);
  COMMIT;
  DROP TEMPORARY TABLE monthly_metrics_rows;
  DO RELEASE_LOCK(v_lock);
END$$
DELIMITER ;
