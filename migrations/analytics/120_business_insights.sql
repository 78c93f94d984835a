-- sqlcron: repeatable
-- business_insights(p_as_of DATETIME)
--
-- Appends to table business_insights one row per metric for this refresh (as_of = p_as_of),
-- replacing the rows of an earlier call with the same p_as_of (so re-running changes nothing).
-- Reads monthly_metrics, customer_value (customer_analytics; both refreshed for the same p_as_of,
-- otherwise SQLSTATE 45000), fact_sales and dim_track. period_month = the last complete month: the month before
-- the month of p_as_of. Metrics:
--   revenue, orders, new_customers, active_customers: that month's value (0 without a row) and
--     the month before's as previous_value;
--   top_genre: detail = the genre (dim_track.genre_name) with the highest sum of
--     fact_sales.line_total in that month (ties: the name first in order), value = that sum,
--     previous_value = the same genre's sum in the month before; NULL value without sales;
--   high_churn_share: value = ROUND(100 * customers with churn_band 'high' / customers in
--     customer_value, 2); no previous_value.
-- change_pct = ROUND(100 * (value - previous_value) / previous_value, 2) (NULL when the
-- previous value is NULL or 0); flagged = 1 when ABS(change_pct) > 10, else 0.
-- NULL p_as_of = NOW(). One transaction; serialised by a named lock.

CREATE TABLE IF NOT EXISTS business_insights (
  as_of           DATETIME      NOT NULL,
  metric          VARCHAR(32)   NOT NULL,
  period_month    DATE          NOT NULL,
  value           DECIMAL(16,2) NULL,
  previous_value  DECIMAL(16,2) NULL,
  change_pct      DECIMAL(12,2) NULL,
  flagged         TINYINT       NOT NULL,
  detail          VARCHAR(120)  NULL,
  PRIMARY KEY (as_of, metric)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

DROP PROCEDURE IF EXISTS business_insights;

DELIMITER $$
CREATE PROCEDURE business_insights(IN p_as_of DATETIME)
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
  COMMENT 'Record the business insights of a refresh (sqlcron analytics pack)'
BEGIN
  DECLARE v_as_of DATETIME DEFAULT COALESCE(p_as_of, NOW());
  DECLARE v_month DATE;
  DECLARE v_prev DATE;
  DECLARE v_genre VARCHAR(120);
  DECLARE v_genre_rev DECIMAL(16,2);
  DECLARE v_genre_prev DECIMAL(16,2);
  DECLARE v_lock VARCHAR(64) DEFAULT CONCAT(LEFT(DATABASE(), 40), '.business_insights');
  DECLARE v_locked BOOLEAN DEFAULT FALSE;

  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    ROLLBACK;
    DROP TEMPORARY TABLE IF EXISTS insights_rows;
    IF v_locked THEN
      DO RELEASE_LOCK(v_lock);
    END IF;
    RESIGNAL;
  END;

  IF DATABASE() IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'business_insights: no default schema selected';
  END IF;
  IF COALESCE(GET_LOCK(v_lock, 0), 0) <> 1 THEN
    SIGNAL SQLSTATE '45000'
      SET MESSAGE_TEXT = 'business_insights: another refresh is running in this schema';
  END IF;
  SET v_locked = TRUE;
  IF (SELECT COUNT(*) FROM analytics_watermark
       WHERE Name IN ('monthly_metrics', 'customer_analytics') AND AsOf = v_as_of) <> 2 THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
      'business_insights: monthly_metrics or customer_analytics is not as of p_as_of; refresh them first';
  END IF;
  SET v_month = CAST(DATE_FORMAT(v_as_of, '%Y-%m-01') AS DATE) - INTERVAL 1 MONTH;
  SET v_prev = v_month - INTERVAL 1 MONTH;

  -- The top genre of the month through fact_sales' date key (one month of lines).
  SELECT t.genre_name, SUM(f.line_total) INTO v_genre, v_genre_rev
    FROM fact_sales f
    JOIN dim_track t ON t.TrackId = f.TrackId
   WHERE f.date_key >= YEAR(v_month) * 10000 + MONTH(v_month) * 100 + 1
     AND f.date_key <= YEAR(v_month) * 10000 + MONTH(v_month) * 100 + 31
   GROUP BY t.genre_name
   ORDER BY SUM(f.line_total) DESC, t.genre_name
   LIMIT 1;
  SELECT SUM(f.line_total) INTO v_genre_prev
    FROM fact_sales f
    JOIN dim_track t ON t.TrackId = f.TrackId
   WHERE f.date_key >= YEAR(v_prev) * 10000 + MONTH(v_prev) * 100 + 1
     AND f.date_key <= YEAR(v_prev) * 10000 + MONTH(v_prev) * 100 + 31
     AND t.genre_name <=> v_genre;

  DROP TEMPORARY TABLE IF EXISTS insights_rows;
  CREATE TEMPORARY TABLE insights_rows (
    metric VARCHAR(32) NOT NULL, value DECIMAL(16,2) NULL, previous_value DECIMAL(16,2) NULL,
    detail VARCHAR(120) NULL, PRIMARY KEY (metric)
  ) ENGINE=MEMORY;
  INSERT INTO insights_rows
  SELECT 'revenue', COALESCE(SUM(CASE WHEN month_start = v_month THEN revenue END), 0),
         COALESCE(SUM(CASE WHEN month_start = v_prev THEN revenue END), 0), NULL
    FROM monthly_metrics WHERE month_start IN (v_month, v_prev)
  UNION ALL
  SELECT 'orders', COALESCE(SUM(CASE WHEN month_start = v_month THEN orders END), 0),
         COALESCE(SUM(CASE WHEN month_start = v_prev THEN orders END), 0), NULL
    FROM monthly_metrics WHERE month_start IN (v_month, v_prev)
  UNION ALL
  SELECT 'new_customers', COALESCE(SUM(CASE WHEN month_start = v_month THEN new_customers END), 0),
         COALESCE(SUM(CASE WHEN month_start = v_prev THEN new_customers END), 0), NULL
    FROM monthly_metrics WHERE month_start IN (v_month, v_prev)
  UNION ALL
  SELECT 'active_customers',
         COALESCE(SUM(CASE WHEN month_start = v_month THEN active_customers END), 0),
         COALESCE(SUM(CASE WHEN month_start = v_prev THEN active_customers END), 0), NULL
    FROM monthly_metrics WHERE month_start IN (v_month, v_prev)
  UNION ALL
  SELECT 'top_genre', v_genre_rev, CASE WHEN v_genre_rev IS NOT NULL THEN COALESCE(v_genre_prev, 0) END,
         v_genre
  UNION ALL
  SELECT 'high_churn_share',
         CASE WHEN COUNT(*) > 0 THEN ROUND(100 * SUM(churn_band = 'high') / COUNT(*), 2) END,
         NULL, NULL
    FROM customer_value;

  START TRANSACTION;
  DELETE FROM business_insights WHERE as_of = v_as_of;
  INSERT INTO business_insights
    (as_of, metric, period_month, value, previous_value, change_pct, flagged, detail)
  SELECT v_as_of, x.metric, v_month, x.value, x.previous_value, x.pct,
         COALESCE(ABS(x.pct) > 10, 0), x.detail
    FROM (SELECT metric, value, previous_value, detail,
                 CASE WHEN previous_value <> 0
                      THEN ROUND(100 * (value - previous_value) / previous_value, 2) END AS pct
            FROM insights_rows) x;
  INSERT INTO analytics_watermark (Name, LastId, LastId2, AsOf, UpdatedAt)
  VALUES ('business_insights', 0, 0, v_as_of, NOW(6))
  ON DUPLICATE KEY UPDATE AsOf = v_as_of, UpdatedAt = NOW(6);
  COMMIT;
  DROP TEMPORARY TABLE insights_rows;
  DO RELEASE_LOCK(v_lock);
END$$
DELIMITER ;
