-- fact_customer_month(p_as_of DATETIME, p_mode VARCHAR(16))
--
-- Maintains table fact_customer_month: one row per customer and calendar month with at least
-- one invoice dated on or before p_as_of: CustomerId, month_start (first day of the month),
-- orders (invoices), line_count (their invoice lines; 0 for an invoice without lines), revenue
-- (sum of Invoice.Total), first_invoice_at and last_invoice_at (first and last invoice date of
-- the month). The business tables (customer_rfm, monthly_metrics, cohort_retention, ...) are
-- computed from it.
--
-- Modes as fact_sales: 'full' rebuilds (atomic swap) and resets the watermark; 'incremental'
-- recomputes, in one transaction, exactly the (customer, month) pairs of invoices that are new
-- since the watermark (InvoiceId above it), that got new lines (InvoiceLineId above it) or that
-- were dated after an earlier refresh's p_as_of and are now due; it runs 'full' when the table or
-- the watermark is missing or p_as_of is earlier than the watermark's. NULL p_as_of = NOW();
-- NULL p_mode = 'incremental'; another mode: SQLSTATE 45000. Serialised by a named lock.

DROP PROCEDURE IF EXISTS fact_customer_month;

DELIMITER $$
CREATE PROCEDURE fact_customer_month(IN p_as_of DATETIME, IN p_mode VARCHAR(16))
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
  COMMENT 'Maintain fact_customer_month, full or incremental (sqlcron analytics pack)'
BEGIN
  DECLARE v_as_of DATETIME DEFAULT COALESCE(p_as_of, NOW());
  DECLARE v_mode VARCHAR(16) DEFAULT LOWER(COALESCE(p_mode, 'incremental'));
  DECLARE v_max_inv BIGINT;
  DECLARE v_max_line BIGINT;
  DECLARE v_wm_inv BIGINT;
  DECLARE v_wm_line BIGINT;
  DECLARE v_wm_as_of DATETIME;
  DECLARE v_lock VARCHAR(64) DEFAULT CONCAT(LEFT(DATABASE(), 40), '.fact_customer_month');
  DECLARE v_saved_tmp BIGINT UNSIGNED DEFAULT @@SESSION.tmp_table_size;
  DECLARE v_saved_heap BIGINT UNSIGNED DEFAULT @@SESSION.max_heap_table_size;
  DECLARE v_locked BOOLEAN DEFAULT FALSE;

  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    ROLLBACK;
    SET SESSION tmp_table_size = v_saved_tmp;
    SET SESSION max_heap_table_size = v_saved_heap;
    DROP TEMPORARY TABLE IF EXISTS fcm_cand;
    DROP TEMPORARY TABLE IF EXISTS fcm_pairs;
    DROP TEMPORARY TABLE IF EXISTS fcm_rows;
    DROP TEMPORARY TABLE IF EXISTS fcm_lines;
    IF v_locked THEN
      DROP TABLE IF EXISTS fact_customer_month_new;
      DO RELEASE_LOCK(v_lock);
    END IF;
    RESIGNAL;
  END;

  IF DATABASE() IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'fact_customer_month: no default schema selected';
  END IF;
  IF v_mode NOT IN ('full', 'incremental') THEN
    SIGNAL SQLSTATE '45000'
      SET MESSAGE_TEXT = 'fact_customer_month: unknown mode; use ''full'' or ''incremental''';
  END IF;
  IF COALESCE(GET_LOCK(v_lock, 0), 0) <> 1 THEN
    SIGNAL SQLSTATE '45000'
      SET MESSAGE_TEXT = 'fact_customer_month: another refresh is running in this schema';
  END IF;
  SET v_locked = TRUE;
  SET SESSION tmp_table_size = GREATEST(v_saved_tmp, 268435456);
  SET SESSION max_heap_table_size = GREATEST(v_saved_heap, 268435456);
  SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

  IF v_mode = 'incremental' THEN
    SELECT MAX(LastId), MAX(LastId2), MAX(AsOf) INTO v_wm_inv, v_wm_line, v_wm_as_of
      FROM analytics_watermark WHERE Name = 'fact_customer_month';
    IF v_wm_inv IS NULL OR v_as_of < v_wm_as_of
       OR NOT EXISTS (SELECT 1 FROM information_schema.TABLES
                       WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'fact_customer_month') THEN
      SET v_mode = 'full';
    END IF;
  END IF;

  SELECT COALESCE(MAX(InvoiceId), 0) INTO v_max_inv FROM Invoice;
  SELECT COALESCE(MAX(InvoiceLineId), 0) INTO v_max_line FROM InvoiceLine;

  IF v_mode = 'full' THEN
    DROP TABLE IF EXISTS fact_customer_month_new;
    DROP TABLE IF EXISTS fact_customer_month_old;
    CREATE TABLE fact_customer_month_new (
      CustomerId        INT           NOT NULL,
      month_start       DATE          NOT NULL,
      orders            INT           NOT NULL,
      line_count        INT           NOT NULL,
      revenue           DECIMAL(14,2) NOT NULL,
      first_invoice_at  DATETIME      NOT NULL,
      last_invoice_at   DATETIME      NOT NULL,
      PRIMARY KEY (CustomerId, month_start),
      KEY ix_fact_customer_month_month (month_start)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
    -- Lines per invoice first (streamed from the InvoiceId index into a hash table), then one
    -- pass over Invoice: 2.1 s at x1000 against 4 s for a join to a derived table.
    DROP TEMPORARY TABLE IF EXISTS fcm_lines;
    CREATE TEMPORARY TABLE fcm_lines (InvoiceId INT NOT NULL, n INT NOT NULL, PRIMARY KEY (InvoiceId))
      ENGINE=MEMORY;
    INSERT INTO fcm_lines
    SELECT InvoiceId, COUNT(*) FROM InvoiceLine GROUP BY InvoiceId;
    INSERT INTO fact_customer_month_new
    SELECT STRAIGHT_JOIN i.CustomerId, CAST(DATE_FORMAT(i.InvoiceDate, '%Y-%m-01') AS DATE),
           COUNT(*), COALESCE(SUM(l.n), 0), SUM(i.Total), MIN(i.InvoiceDate), MAX(i.InvoiceDate)
      FROM Invoice i
      LEFT JOIN fcm_lines l ON l.InvoiceId = i.InvoiceId
     WHERE i.InvoiceDate <= v_as_of
     GROUP BY i.CustomerId, CAST(DATE_FORMAT(i.InvoiceDate, '%Y-%m-01') AS DATE)
     ORDER BY i.CustomerId, CAST(DATE_FORMAT(i.InvoiceDate, '%Y-%m-01') AS DATE);
    DROP TEMPORARY TABLE fcm_lines;

    CREATE TABLE IF NOT EXISTS fact_customer_month LIKE fact_customer_month_new;
    RENAME TABLE fact_customer_month TO fact_customer_month_old,
                 fact_customer_month_new TO fact_customer_month;
    DROP TABLE fact_customer_month_old;

    START TRANSACTION;
    DELETE FROM analytics_pending WHERE Name = 'fact_customer_month';
    INSERT INTO analytics_pending (Name, Id)
    SELECT 'fact_customer_month', InvoiceId FROM Invoice WHERE InvoiceDate > v_as_of;
  ELSE
    DROP TEMPORARY TABLE IF EXISTS fcm_cand;
    DROP TEMPORARY TABLE IF EXISTS fcm_pairs;
    DROP TEMPORARY TABLE IF EXISTS fcm_rows;
    CREATE TEMPORARY TABLE fcm_cand (InvoiceId INT NOT NULL, PRIMARY KEY (InvoiceId))
      ENGINE=MEMORY;
    CREATE TEMPORARY TABLE fcm_pairs (
      CustomerId INT NOT NULL, month_start DATE NOT NULL, PRIMARY KEY (CustomerId, month_start)
    ) ENGINE=MEMORY;
    INSERT IGNORE INTO fcm_cand (InvoiceId)
    SELECT InvoiceId FROM Invoice WHERE InvoiceId > v_wm_inv AND InvoiceId <= v_max_inv;
    INSERT IGNORE INTO fcm_cand (InvoiceId)
    SELECT InvoiceId FROM InvoiceLine WHERE InvoiceLineId > v_wm_line AND InvoiceLineId <= v_max_line;
    INSERT IGNORE INTO fcm_cand (InvoiceId)
    SELECT Id FROM analytics_pending WHERE Name = 'fact_customer_month';
    INSERT IGNORE INTO fcm_pairs (CustomerId, month_start)
    SELECT STRAIGHT_JOIN i.CustomerId, CAST(DATE_FORMAT(i.InvoiceDate, '%Y-%m-01') AS DATE)
      FROM fcm_cand c JOIN Invoice i ON i.InvoiceId = c.InvoiceId
     WHERE i.InvoiceDate <= v_as_of;
    -- The touched pairs from scratch: the customers' invoices through their CustomerId index,
    -- the lines through their InvoiceId index.
    CREATE TEMPORARY TABLE fcm_rows ENGINE=MEMORY AS
    SELECT x.CustomerId, x.month_start, COUNT(*) AS orders, SUM(x.n) AS line_count,
           SUM(x.Total) AS revenue, MIN(x.InvoiceDate) AS first_at, MAX(x.InvoiceDate) AS last_at
      FROM (SELECT STRAIGHT_JOIN p.CustomerId, p.month_start, i.Total, i.InvoiceDate,
                   (SELECT COUNT(*) FROM InvoiceLine il WHERE il.InvoiceId = i.InvoiceId) AS n
              FROM fcm_pairs p
              JOIN Invoice i ON i.CustomerId = p.CustomerId
               AND i.InvoiceDate >= p.month_start
               AND i.InvoiceDate < p.month_start + INTERVAL 1 MONTH
             WHERE i.InvoiceDate <= v_as_of) x
     GROUP BY x.CustomerId, x.month_start;

    START TRANSACTION;
    DELETE f FROM fact_customer_month f
      JOIN fcm_pairs p ON p.CustomerId = f.CustomerId AND p.month_start = f.month_start;
    INSERT INTO fact_customer_month
    SELECT CustomerId, month_start, orders, line_count, revenue, first_at, last_at
      FROM fcm_rows ORDER BY CustomerId, month_start;
    DELETE FROM analytics_pending WHERE Name = 'fact_customer_month';
    INSERT INTO analytics_pending (Name, Id)
    SELECT STRAIGHT_JOIN 'fact_customer_month', i.InvoiceId
      FROM fcm_cand c JOIN Invoice i ON i.InvoiceId = c.InvoiceId
     WHERE i.InvoiceDate > v_as_of;
  END IF;
  INSERT INTO analytics_watermark (Name, LastId, LastId2, AsOf, UpdatedAt)
  VALUES ('fact_customer_month', v_max_inv, v_max_line, v_as_of, NOW(6))
  ON DUPLICATE KEY UPDATE LastId = v_max_inv, LastId2 = v_max_line, AsOf = v_as_of,
                          UpdatedAt = NOW(6);
  COMMIT;

  DROP TEMPORARY TABLE IF EXISTS fcm_cand;
  DROP TEMPORARY TABLE IF EXISTS fcm_pairs;
  DROP TEMPORARY TABLE IF EXISTS fcm_rows;
  SET SESSION tmp_table_size = v_saved_tmp;
  SET SESSION max_heap_table_size = v_saved_heap;
  DO RELEASE_LOCK(v_lock);
END$$
DELIMITER ;
