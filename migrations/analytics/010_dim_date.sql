-- sqlcron: repeatable
-- dim_date(p_as_of DATETIME)
--
-- Rebuilds table dim_date: one row per day from January 1 of the year of the first invoice to
-- December 31 of the year of the last one, counting only invoices dated on or before p_as_of
-- (empty when there is none). Names of months and weekdays are English whatever lc_time_names
-- says. NULL p_as_of = NOW(). The range comes from fact_month when fact_customer_month is as of
-- the same p_as_of (its months are those of the invoices that count), else from a scan of
-- Invoice. The rows are a function of that range alone: when dim_date already holds exactly the
-- range's days, nothing is written (the usual night); otherwise it is rebuilt and swapped in
-- atomically through dim_date_new. Serialised by a named lock (a second concurrent call fails at
-- once with SQLSTATE 45000).

DROP PROCEDURE IF EXISTS dim_date;

DELIMITER $$
CREATE PROCEDURE dim_date(IN p_as_of DATETIME)
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
  COMMENT 'Atomically rebuild dim_date (sqlcron analytics pack)'
proc: BEGIN
  DECLARE v_as_of DATETIME DEFAULT COALESCE(p_as_of, NOW());
  DECLARE v_first DATE;
  DECLARE v_last DATE;
  DECLARE v_have_first DATE;
  DECLARE v_have_last DATE;
  DECLARE v_have_days BIGINT;
  DECLARE v_lock VARCHAR(64) DEFAULT CONCAT(LEFT(DATABASE(), 40), '.dim_date');
  DECLARE v_locked BOOLEAN DEFAULT FALSE;

  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    IF v_locked THEN
      DROP TABLE IF EXISTS dim_date_new;
      DO RELEASE_LOCK(v_lock);
    END IF;
    RESIGNAL;
  END;

  IF DATABASE() IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'dim_date: no default schema selected';
  END IF;
  IF COALESCE(GET_LOCK(v_lock, 0), 0) <> 1 THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'dim_date: another refresh is running in this schema';
  END IF;
  SET v_locked = TRUE;

  SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
  IF EXISTS (SELECT 1 FROM analytics_watermark
              WHERE Name = 'fact_customer_month' AND AsOf = v_as_of) THEN
    SELECT MAKEDATE(YEAR(MIN(month_start)), 1), MAKEDATE(YEAR(MAX(month_start)) + 1, 1) - INTERVAL 1 DAY
      INTO v_first, v_last
      FROM fact_month;
  ELSE
    SELECT MAKEDATE(YEAR(MIN(InvoiceDate)), 1), MAKEDATE(YEAR(MAX(InvoiceDate)) + 1, 1) - INTERVAL 1 DAY
      INTO v_first, v_last
      FROM Invoice WHERE InvoiceDate <= v_as_of;
  END IF;

  IF EXISTS (SELECT 1 FROM information_schema.TABLES
              WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'dim_date') THEN
    SELECT MIN(`date`), MAX(`date`), COUNT(*) INTO v_have_first, v_have_last, v_have_days
      FROM dim_date;
    -- date_key and `date` are unique: first, last and the number of days pin the set of days.
    IF v_have_first <=> v_first AND v_have_last <=> v_last
       AND v_have_days = COALESCE(DATEDIFF(v_last, v_first) + 1, 0) THEN
      DO RELEASE_LOCK(v_lock);
      LEAVE proc;
    END IF;
  END IF;

  -- Leftovers of a crash only (a DROP TABLE IF EXISTS costs as much as a real DDL statement).
  IF EXISTS (SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()
                AND TABLE_NAME IN ('dim_date_new', 'dim_date_old')) THEN
    DROP TABLE IF EXISTS dim_date_new, dim_date_old;
  END IF;
  CREATE TABLE dim_date_new (
    date_key      INT         NOT NULL,
    `date`        DATE        NOT NULL,
    `year`        SMALLINT    NOT NULL,
    `quarter`     TINYINT     NOT NULL,
    `month`       TINYINT     NOT NULL,
    month_name    VARCHAR(9)  NOT NULL,
    `day`         TINYINT     NOT NULL,
    iso_weekday   TINYINT     NOT NULL,
    weekday_name  VARCHAR(9)  NOT NULL,
    iso_week      TINYINT     NOT NULL,
    is_weekend    TINYINT     NOT NULL,
    `year_month`  CHAR(7)     NOT NULL,
    PRIMARY KEY (date_key),
    UNIQUE KEY ux_dim_date_date (`date`),
    KEY ix_dim_date_year_month (`year_month`)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

  -- Days 0..99999 after v_first from five digit tables (a recursive CTE would hit MySQL's
  -- cte_max_recursion_depth of 1000 after under three years).
  IF v_first IS NOT NULL THEN
    INSERT INTO dim_date_new
    SELECT YEAR(d.dt) * 10000 + MONTH(d.dt) * 100 + DAYOFMONTH(d.dt), d.dt, YEAR(d.dt),
           QUARTER(d.dt), MONTH(d.dt),
           ELT(MONTH(d.dt), 'January', 'February', 'March', 'April', 'May', 'June', 'July',
               'August', 'September', 'October', 'November', 'December'),
           DAYOFMONTH(d.dt), WEEKDAY(d.dt) + 1,
           ELT(WEEKDAY(d.dt) + 1, 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday',
               'Saturday', 'Sunday'),
           WEEK(d.dt, 3), WEEKDAY(d.dt) >= 5, DATE_FORMAT(d.dt, '%Y-%m')
      FROM (SELECT v_first + INTERVAL (a.n + 10 * b.n + 100 * c.n + 1000 * e.n + 10000 * f.n) DAY
                     AS dt
              FROM (SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3
                    UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7
                    UNION ALL SELECT 8 UNION ALL SELECT 9) a
             CROSS JOIN (SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3
                    UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7
                    UNION ALL SELECT 8 UNION ALL SELECT 9) b
             CROSS JOIN (SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3
                    UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7
                    UNION ALL SELECT 8 UNION ALL SELECT 9) c
             CROSS JOIN (SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3
                    UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7
                    UNION ALL SELECT 8 UNION ALL SELECT 9) e
             CROSS JOIN (SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3
                    UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7
                    UNION ALL SELECT 8 UNION ALL SELECT 9) f) d
     WHERE d.dt <= v_last
     ORDER BY d.dt;
  END IF;

  CREATE TABLE IF NOT EXISTS dim_date LIKE dim_date_new;
  RENAME TABLE dim_date TO dim_date_old, dim_date_new TO dim_date;
  DROP TABLE dim_date_old;
  DO RELEASE_LOCK(v_lock);
END$$
DELIMITER ;
