-- monthly_metrics(p_as_of DATETIME)
--
-- Rebuilds table monthly_metrics from fact_month and fact_customer (kept by fact_customer_month,
-- refreshed for the same p_as_of,
-- otherwise SQLSTATE 45000): one row per calendar month with at least one invoice dated on or
-- before p_as_of: month_start, `year_month` ('YYYY-MM'), revenue (sum of Invoice.Total), orders
-- (invoices), active_customers (customers with an invoice that month), new_customers (customers
-- whose first invoice is in that month), avg_order_value = ROUND(revenue / orders, 2),
-- prev_month_revenue (revenue of the calendar month before; NULL when that month has no row),
-- revenue_change_pct = ROUND(100 * (revenue - prev_month_revenue) / prev_month_revenue, 2)
-- (NULL without a previous month or when it is 0), as_of = p_as_of.
-- NULL p_as_of = NOW(). Atomic swap through monthly_metrics_new; serialised by a named lock.

DROP PROCEDURE IF EXISTS monthly_metrics;

DELIMITER $$
CREATE PROCEDURE monthly_metrics(IN p_as_of DATETIME)
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
  COMMENT 'Atomically rebuild monthly_metrics (sqlcron analytics pack)'
BEGIN
  DECLARE v_as_of DATETIME DEFAULT COALESCE(p_as_of, NOW());
  DECLARE v_lock VARCHAR(64) DEFAULT CONCAT(LEFT(DATABASE(), 40), '.monthly_metrics');
  DECLARE v_locked BOOLEAN DEFAULT FALSE;

  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    IF v_locked THEN
      DROP TABLE IF EXISTS monthly_metrics_new;
      DO RELEASE_LOCK(v_lock);
    END IF;
    RESIGNAL;
  END;

  IF DATABASE() IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'monthly_metrics: no default schema selected';
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

  DROP TABLE IF EXISTS monthly_metrics_new;
  DROP TABLE IF EXISTS monthly_metrics_old;
  CREATE TABLE monthly_metrics_new (
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

  -- LAG gives the previous row; it is the previous calendar month only when adjacent.
  INSERT INTO monthly_metrics_new
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
              ON n.first_month = m.month_start) w
   ORDER BY w.month_start;

  CREATE TABLE IF NOT EXISTS monthly_metrics LIKE monthly_metrics_new;
  RENAME TABLE monthly_metrics TO monthly_metrics_old, monthly_metrics_new TO monthly_metrics;
  DROP TABLE monthly_metrics_old;
  INSERT INTO analytics_watermark (Name, LastId, LastId2, AsOf, UpdatedAt)
  VALUES ('monthly_metrics', 0, 0, v_as_of, NOW(6))
  ON DUPLICATE KEY UPDATE AsOf = v_as_of, UpdatedAt = NOW(6);
  DO RELEASE_LOCK(v_lock);
END$$
DELIMITER ;
