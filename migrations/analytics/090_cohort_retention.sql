-- sqlcron: repeatable
-- cohort_retention(p_as_of DATETIME, p_mode VARCHAR(16))
--
-- Rebuilds tables cohort_retention and cohort_cumulative_retention from fact_customer (cohort
-- and first repeat month per customer) and fact_cohort_month (active customers per cohort and
-- month), both kept by fact_customer_month (refreshed for the same p_as_of, otherwise SQLSTATE
-- 45000). A customer's cohort is the month of their first invoice dated on or before p_as_of.
--  - cohort_retention: one row per cohort_month and months_since = 0, 1, ... up to the month of
--    p_as_of (rows with no active customer included): cohort_size, active_customers (cohort
--    customers with an invoice in month cohort_month + months_since), retention_pct =
--    ROUND(100 * active_customers / cohort_size, 2).
--  - cohort_cumulative_retention: one row per cohort_month: cohort_size and, for k = 3, 12, 18,
--    retention_<k>m = ROUND(100 * (cohort customers with an invoice in any of the months 1..k
--    after the cohort month) / cohort_size, 2), NULL when that window is not over at p_as_of
--    (the first day of month cohort_month + k + 1 is after p_as_of).
-- Every row is computed anew either way (both tables are small); the modes differ in how they
-- are written, atomically both: 'full' builds the two *_new tables and swaps both in with one
-- RENAME TABLE; 'incremental' replaces the rows of both in one transaction (no DDL). NULL p_as_of
-- = NOW(); NULL p_mode = 'incremental'; another mode: SQLSTATE 45000. Serialised by a named lock.

CREATE TABLE IF NOT EXISTS cohort_retention (
  cohort_month      DATE         NOT NULL,
  months_since      INT          NOT NULL,
  cohort_size       INT          NOT NULL,
  active_customers  INT          NOT NULL,
  retention_pct     DECIMAL(5,2) NOT NULL,
  as_of             DATETIME     NOT NULL,
  PRIMARY KEY (cohort_month, months_since)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE IF NOT EXISTS cohort_cumulative_retention (
  cohort_month   DATE         NOT NULL,
  cohort_size    INT          NOT NULL,
  retention_3m   DECIMAL(5,2) NULL,
  retention_12m  DECIMAL(5,2) NULL,
  retention_18m  DECIMAL(5,2) NULL,
  as_of          DATETIME     NOT NULL,
  PRIMARY KEY (cohort_month)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

DROP PROCEDURE IF EXISTS cohort_retention;

DELIMITER $$
CREATE PROCEDURE cohort_retention(IN p_as_of DATETIME, IN p_mode VARCHAR(16))
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
  COMMENT 'Atomically rebuild cohort_retention and cohort_cumulative_retention (sqlcron analytics pack)'
BEGIN
  DECLARE v_as_of DATETIME DEFAULT COALESCE(p_as_of, NOW());
  DECLARE v_as_of_month DATE DEFAULT CAST(DATE_FORMAT(COALESCE(p_as_of, NOW()), '%Y-%m-01') AS DATE);
  DECLARE v_mode VARCHAR(16) DEFAULT LOWER(COALESCE(p_mode, 'incremental'));
  DECLARE v_lock VARCHAR(64) DEFAULT CONCAT(LEFT(DATABASE(), 40), '.cohort_retention');
  DECLARE v_locked BOOLEAN DEFAULT FALSE;

  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    ROLLBACK;
    DROP TEMPORARY TABLE IF EXISTS cohort_months, cohort_retention_rows,
      cohort_cumulative_retention_rows;
    IF v_locked THEN
      DROP TABLE IF EXISTS cohort_retention_new, cohort_cumulative_retention_new;
      DO RELEASE_LOCK(v_lock);
    END IF;
    RESIGNAL;
  END;

  IF DATABASE() IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'cohort_retention: no default schema selected';
  END IF;
  IF v_mode NOT IN ('full', 'incremental') THEN
    SIGNAL SQLSTATE '45000'
      SET MESSAGE_TEXT = 'cohort_retention: unknown mode; use ''full'' or ''incremental''';
  END IF;
  IF COALESCE(GET_LOCK(v_lock, 0), 0) <> 1 THEN
    SIGNAL SQLSTATE '45000'
      SET MESSAGE_TEXT = 'cohort_retention: another refresh is running in this schema';
  END IF;
  SET v_locked = TRUE;
  IF NOT EXISTS (SELECT 1 FROM analytics_watermark
                  WHERE Name = 'fact_customer_month' AND AsOf = v_as_of) THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
      'cohort_retention: fact_customer_month is not as of p_as_of; refresh it first';
  END IF;

  -- Each customer's cohort and first repeat month, and the active customers per cohort and
  -- month, are kept by fact_customer_month (fact_customer, fact_cohort_month).
  DROP TEMPORARY TABLE IF EXISTS cohort_months, cohort_retention_rows,
    cohort_cumulative_retention_rows;
  -- months_since 0 .. 999
  CREATE TEMPORARY TABLE cohort_months (n INT NOT NULL, PRIMARY KEY (n)) ENGINE=MEMORY;
  INSERT INTO cohort_months
  SELECT a.n + 10 * b.n + 100 * c.n
    FROM (SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL
          SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL
          SELECT 8 UNION ALL SELECT 9) a
   CROSS JOIN (SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL
          SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL
          SELECT 8 UNION ALL SELECT 9) b
   CROSS JOIN (SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL
          SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL
          SELECT 8 UNION ALL SELECT 9) c;
  CREATE TEMPORARY TABLE cohort_retention_rows LIKE cohort_retention;
  CREATE TEMPORARY TABLE cohort_cumulative_retention_rows LIKE cohort_cumulative_retention;

  INSERT INTO cohort_retention_rows
  SELECT s.cohort_month, m.n, s.size, COALESCE(a.active, 0),
         ROUND(100 * COALESCE(a.active, 0) / s.size, 2), v_as_of
    FROM (SELECT cohort_month, COUNT(*) AS size FROM fact_customer GROUP BY cohort_month) s
    JOIN cohort_months m
      ON m.n <= PERIOD_DIFF(EXTRACT(YEAR_MONTH FROM v_as_of_month),
                            EXTRACT(YEAR_MONTH FROM s.cohort_month))
    LEFT JOIN (SELECT cohort_month, months_since, active_customers AS active
                 FROM fact_cohort_month) a
      ON a.cohort_month = s.cohort_month AND a.months_since = m.n;

  INSERT INTO cohort_cumulative_retention_rows
  SELECT cohort_month, COUNT(*),
         CASE WHEN cohort_month + INTERVAL 4 MONTH <= v_as_of
              THEN ROUND(100 * SUM(first_repeat <= 3) / COUNT(*), 2) END,
         CASE WHEN cohort_month + INTERVAL 13 MONTH <= v_as_of
              THEN ROUND(100 * SUM(first_repeat <= 12) / COUNT(*), 2) END,
         CASE WHEN cohort_month + INTERVAL 19 MONTH <= v_as_of
              THEN ROUND(100 * SUM(first_repeat <= 18) / COUNT(*), 2) END,
         v_as_of
    FROM fact_customer
   GROUP BY cohort_month;

  IF v_mode = 'full' THEN
    -- Leftovers of a crash only (a DROP TABLE IF EXISTS costs as much as a real DDL statement).
    IF EXISTS (SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()
                  AND TABLE_NAME IN ('cohort_retention_new', 'cohort_retention_old',
                                     'cohort_cumulative_retention_new',
                                     'cohort_cumulative_retention_old')) THEN
      DROP TABLE IF EXISTS cohort_retention_new, cohort_retention_old,
        cohort_cumulative_retention_new, cohort_cumulative_retention_old;
    END IF;
    CREATE TABLE cohort_retention_new LIKE cohort_retention;
    CREATE TABLE cohort_cumulative_retention_new LIKE cohort_cumulative_retention;
    INSERT INTO cohort_retention_new
    SELECT * FROM cohort_retention_rows ORDER BY cohort_month, months_since;
    INSERT INTO cohort_cumulative_retention_new
    SELECT * FROM cohort_cumulative_retention_rows ORDER BY cohort_month;
    RENAME TABLE cohort_retention TO cohort_retention_old,
                 cohort_retention_new TO cohort_retention,
                 cohort_cumulative_retention TO cohort_cumulative_retention_old,
                 cohort_cumulative_retention_new TO cohort_cumulative_retention;
    DROP TABLE cohort_retention_old, cohort_cumulative_retention_old;
    START TRANSACTION;
  ELSE
    START TRANSACTION;
    DELETE FROM cohort_retention;
    INSERT INTO cohort_retention
    SELECT * FROM cohort_retention_rows ORDER BY cohort_month, months_since;
    DELETE FROM cohort_cumulative_retention;
    INSERT INTO cohort_cumulative_retention
    SELECT * FROM cohort_cumulative_retention_rows ORDER BY cohort_month;
  END IF;
  INSERT INTO analytics_watermark (Name, LastId, LastId2, AsOf, UpdatedAt)
  VALUES ('cohort_retention', 0, 0, v_as_of, NOW(6))
  ON DUPLICATE KEY UPDATE AsOf = v_as_of, UpdatedAt = NOW(6);
  COMMIT;
  DROP TEMPORARY TABLE cohort_months, cohort_retention_rows, cohort_cumulative_retention_rows;
  DO RELEASE_LOCK(v_lock);
END$$
DELIMITER ;
