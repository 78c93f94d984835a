-- medallion_gold(p_since DATETIME, p_until DATETIME, p_run_id BIGINT)
--
-- Silver -> gold. The window is the curated rows changed by curate runs of slots in
-- (p_since, p_until] (curated_slot > p_since, every row when p_since is NULL, curated_slot <=
-- p_until; when p_since >= p_until, the single slot curated_slot = p_until). In sqlcron:
-- args: ["{last_success}", "{scheduled_for}", "{run_id}"], after medallion_curate.
--
-- What the window touched: the order dates and customers of its curated rows, as they are now
-- and as gold_sales_wide last saw them (a corrected line can move to another day or customer).
-- For exactly those, the gold figures are recomputed from the whole of curated_sales:
--   gold_daily_sales     per order_date: revenue (sum of line_total), orders (distinct
--                        order_id), customers (distinct customer_id), quantity, line_count; a
--                        day left without lines is deleted.
--   gold_customer_stats  per customer_id: customer_name (from the customer's line with the
--                        highest raw_id, i.e. the latest ingested), lifetime_value (sum of
--                        line_total), order_count, line_count, quantity, first and last
--                        order_date; a customer left without lines is deleted.
--   gold_sales_wide      every curated line of those customers, with the customer's figures.
-- Rows are updated only when a value differs (strings byte for byte), inserted when missing:
-- a re-run of a window, or any window after the data it covers was processed, changes nothing.
-- Because every figure is recomputed from curated_sales, windows processed one by one give the
-- same gold tables as one window over all of them.
--
-- Audit: row 'gold' of run p_run_id in audit_layer_counts (rows_in: curated rows of the window;
-- rows_written: gold rows inserted, updated or deleted), replaced if the run id already has it.
-- NULL p_run_id is recorded as run 0. Everything in ONE transaction.
--
-- Errors: p_until NULL -> SQLSTATE 45000. Serialised with the other medallion procedures of
-- the schema (named lock '<schema>.medallion', waited for up to 300 s, then SQLSTATE 45000).
-- Any error is re-signalled unchanged after cleanup.

DROP PROCEDURE IF EXISTS medallion_gold;

DELIMITER $$
CREATE PROCEDURE medallion_gold(IN p_since DATETIME, IN p_until DATETIME, IN p_run_id BIGINT)
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
  COMMENT 'Medallion example: curated_sales -> gold_* tables (sqlcron)'
BEGIN
  DECLARE v_lock VARCHAR(64) DEFAULT CONCAT(LEFT(DATABASE(), 40), '.medallion');
  DECLARE v_run BIGINT DEFAULT COALESCE(p_run_id, 0);
  DECLARE v_from DATETIME;
  DECLARE v_now DATETIME(6) DEFAULT UTC_TIMESTAMP(6);
  DECLARE v_locked BOOLEAN DEFAULT FALSE;
  DECLARE v_in_trx BOOLEAN DEFAULT FALSE;
  DECLARE v_in BIGINT DEFAULT 0;
  DECLARE v_written BIGINT DEFAULT 0;

  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    IF v_in_trx THEN
      ROLLBACK;
    END IF;
    DROP TEMPORARY TABLE IF EXISTS tmp_med_gdays, tmp_med_gcust, tmp_med_gday_new,
      tmp_med_gcust_new;
    IF v_locked THEN
      DO RELEASE_LOCK(v_lock);
    END IF;
    RESIGNAL;
  END;

  IF DATABASE() IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'medallion_gold: no default schema selected';
  END IF;
  IF p_until IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'medallion_gold: p_until must not be NULL';
  END IF;
  -- The window (p_since, p_until] as [v_from, p_until]: slots are whole seconds.
  SET v_from = CASE WHEN p_since IS NULL THEN CAST('1000-01-01 00:00:00' AS DATETIME)
                    WHEN p_since >= p_until THEN p_until
                    ELSE p_since + INTERVAL 1 SECOND END;
  IF COALESCE(GET_LOCK(v_lock, 300), 0) <> 1 THEN
    SIGNAL SQLSTATE '45000'
      SET MESSAGE_TEXT = 'medallion_gold: another medallion step kept running in this schema for 300 s';
  END IF;
  SET v_locked = TRUE;

  -- Temporary tables outside the transaction (GTID-safe on MySQL). Each statement below names
  -- a temporary table at most once (MySQL cannot reopen one within a statement).
  DROP TEMPORARY TABLE IF EXISTS tmp_med_gdays, tmp_med_gcust, tmp_med_gday_new,
    tmp_med_gcust_new;
  CREATE TEMPORARY TABLE tmp_med_gdays (
    order_date DATE NOT NULL PRIMARY KEY
  ) ENGINE=InnoDB;
  CREATE TEMPORARY TABLE tmp_med_gcust (
    customer_id BIGINT NOT NULL PRIMARY KEY
  ) ENGINE=InnoDB;
  CREATE TEMPORARY TABLE tmp_med_gday_new (
    order_date  DATE          NOT NULL PRIMARY KEY,
    revenue     DECIMAL(24,2) NOT NULL,
    orders      INT           NOT NULL,
    customers   INT           NOT NULL,
    quantity    BIGINT        NOT NULL,
    line_count  INT           NOT NULL
  ) ENGINE=InnoDB;
  CREATE TEMPORARY TABLE tmp_med_gcust_new (
    customer_id       BIGINT        NOT NULL PRIMARY KEY,
    customer_name     VARCHAR(255)  NOT NULL,
    lifetime_value    DECIMAL(24,2) NOT NULL,
    order_count       INT           NOT NULL,
    line_count        INT           NOT NULL,
    quantity          BIGINT        NOT NULL,
    first_order_date  DATE          NOT NULL,
    last_order_date   DATE          NOT NULL
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

  SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
  START TRANSACTION;
  SET v_in_trx = TRUE;

  SELECT COUNT(*) INTO v_in FROM curated_sales c WHERE c.curated_slot BETWEEN v_from AND p_until;

  -- 1. Days and customers touched: the window's rows now, and as gold last saw them.
  INSERT INTO tmp_med_gdays (order_date)
  SELECT c.order_date FROM curated_sales c WHERE c.curated_slot BETWEEN v_from AND p_until
  UNION
  SELECT w.order_date
  FROM curated_sales c
  JOIN gold_sales_wide w ON w.order_id = c.order_id AND w.line_no = c.line_no
  WHERE c.curated_slot BETWEEN v_from AND p_until;
  INSERT INTO tmp_med_gcust (customer_id)
  SELECT c.customer_id FROM curated_sales c WHERE c.curated_slot BETWEEN v_from AND p_until
  UNION
  SELECT w.customer_id
  FROM curated_sales c
  JOIN gold_sales_wide w ON w.order_id = c.order_id AND w.line_no = c.line_no
  WHERE c.curated_slot BETWEEN v_from AND p_until;

  -- 2. Daily figures of the touched days, from all of curated_sales.
  INSERT INTO tmp_med_gday_new (order_date, revenue, orders, customers, quantity, line_count)
  SELECT c.order_date, SUM(c.line_total), COUNT(DISTINCT c.order_id),
         COUNT(DISTINCT c.customer_id), SUM(c.quantity), COUNT(*)
  FROM tmp_med_gdays d
  STRAIGHT_JOIN curated_sales c ON c.order_date = d.order_date
  GROUP BY c.order_date;

  UPDATE gold_daily_sales g
    JOIN tmp_med_gday_new n ON n.order_date = g.order_date
     SET g.revenue = n.revenue, g.orders = n.orders, g.customers = n.customers,
         g.quantity = n.quantity, g.line_count = n.line_count, g.updated_slot = p_until,
         g.updated_run_id = v_run
   WHERE g.revenue <> n.revenue OR g.orders <> n.orders OR g.customers <> n.customers
      OR g.quantity <> n.quantity OR g.line_count <> n.line_count;
  SET v_written = v_written + ROW_COUNT();
  INSERT INTO gold_daily_sales (order_date, revenue, orders, customers, quantity, line_count,
                                updated_slot, updated_run_id)
  SELECT n.order_date, n.revenue, n.orders, n.customers, n.quantity, n.line_count, p_until, v_run
  FROM tmp_med_gday_new n
  WHERE NOT EXISTS (SELECT 1 FROM gold_daily_sales g WHERE g.order_date = n.order_date);
  SET v_written = v_written + ROW_COUNT();
  DELETE g FROM gold_daily_sales g
    JOIN tmp_med_gdays d ON d.order_date = g.order_date
   WHERE NOT EXISTS (SELECT 1 FROM tmp_med_gday_new n WHERE n.order_date = g.order_date);
  SET v_written = v_written + ROW_COUNT();

  -- 3. Customer figures of the touched customers; the name from their latest ingested line.
  INSERT INTO tmp_med_gcust_new (customer_id, customer_name, lifetime_value, order_count,
                                 line_count, quantity, first_order_date, last_order_date)
  SELECT a.customer_id, n.customer_name, a.ltv, a.orders, a.n_lines, a.qty, a.first_date,
         a.last_date
  FROM (SELECT c.customer_id, SUM(c.line_total) AS ltv, COUNT(DISTINCT c.order_id) AS orders,
               COUNT(*) AS n_lines, SUM(c.quantity) AS qty, MIN(c.order_date) AS first_date,
               MAX(c.order_date) AS last_date, MAX(c.raw_id) AS last_raw
          FROM tmp_med_gcust k
          STRAIGHT_JOIN curated_sales c ON c.customer_id = k.customer_id
         GROUP BY c.customer_id) a
  JOIN curated_sales n ON n.raw_id = a.last_raw;

  UPDATE gold_customer_stats g
    JOIN tmp_med_gcust_new n ON n.customer_id = g.customer_id
     SET g.customer_name = n.customer_name, g.lifetime_value = n.lifetime_value,
         g.order_count = n.order_count, g.line_count = n.line_count, g.quantity = n.quantity,
         g.first_order_date = n.first_order_date, g.last_order_date = n.last_order_date,
         g.updated_slot = p_until, g.updated_run_id = v_run
   WHERE CAST(g.customer_name AS BINARY) <> CAST(n.customer_name AS BINARY)
      OR g.lifetime_value <> n.lifetime_value OR g.order_count <> n.order_count
      OR g.line_count <> n.line_count OR g.quantity <> n.quantity
      OR g.first_order_date <> n.first_order_date OR g.last_order_date <> n.last_order_date;
  SET v_written = v_written + ROW_COUNT();
  INSERT INTO gold_customer_stats (customer_id, customer_name, lifetime_value, order_count,
                                   line_count, quantity, first_order_date, last_order_date,
                                   updated_slot, updated_run_id)
  SELECT n.customer_id, n.customer_name, n.lifetime_value, n.order_count, n.line_count,
         n.quantity, n.first_order_date, n.last_order_date, p_until, v_run
  FROM tmp_med_gcust_new n
  WHERE NOT EXISTS (SELECT 1 FROM gold_customer_stats g WHERE g.customer_id = n.customer_id);
  SET v_written = v_written + ROW_COUNT();
  DELETE g FROM gold_customer_stats g
    JOIN tmp_med_gcust k ON k.customer_id = g.customer_id
   WHERE NOT EXISTS (SELECT 1 FROM tmp_med_gcust_new n WHERE n.customer_id = g.customer_id);
  SET v_written = v_written + ROW_COUNT();

  -- 4. The wide rows of every line of the touched customers (their figures changed), straight
  --    from curated_sales and the new customer figures (nothing materialised in between).
  UPDATE tmp_med_gcust_new s
    STRAIGHT_JOIN curated_sales c ON c.customer_id = s.customer_id
    STRAIGHT_JOIN gold_sales_wide w ON w.order_id = c.order_id AND w.line_no = c.line_no
     SET w.order_date = c.order_date, w.customer_id = c.customer_id,
         w.customer_name = c.customer_name, w.product = c.product, w.quantity = c.quantity,
         w.unit_price = c.unit_price, w.line_total = c.line_total,
         w.customer_lifetime_value = s.lifetime_value,
         w.customer_order_count = s.order_count,
         w.customer_first_order_date = s.first_order_date,
         w.customer_last_order_date = s.last_order_date,
         w.days_since_first_order = DATEDIFF(c.order_date, s.first_order_date),
         w.raw_id = c.raw_id, w.source_file = c.source_file, w.updated_slot = p_until,
         w.updated_run_id = v_run
   WHERE w.order_date <> c.order_date OR w.customer_id <> c.customer_id
      OR CAST(w.customer_name AS BINARY) <> CAST(c.customer_name AS BINARY)
      OR CAST(w.product AS BINARY) <> CAST(c.product AS BINARY)
      OR w.quantity <> c.quantity OR w.unit_price <> c.unit_price
      OR w.line_total <> c.line_total
      OR w.customer_lifetime_value <> s.lifetime_value
      OR w.customer_order_count <> s.order_count
      OR w.customer_first_order_date <> s.first_order_date
      OR w.customer_last_order_date <> s.last_order_date
      OR w.days_since_first_order <> DATEDIFF(c.order_date, s.first_order_date)
      OR w.raw_id <> c.raw_id
      OR CAST(w.source_file AS BINARY) <> CAST(c.source_file AS BINARY);
  SET v_written = v_written + ROW_COUNT();
  INSERT INTO gold_sales_wide (order_id, line_no, order_date, customer_id, customer_name,
                               product, quantity, unit_price, line_total,
                               customer_lifetime_value, customer_order_count,
                               customer_first_order_date, customer_last_order_date,
                               days_since_first_order, raw_id, source_file, updated_slot,
                               updated_run_id)
  SELECT c.order_id, c.line_no, c.order_date, c.customer_id, c.customer_name, c.product,
         c.quantity, c.unit_price, c.line_total, s.lifetime_value, s.order_count,
         s.first_order_date, s.last_order_date, DATEDIFF(c.order_date, s.first_order_date),
         c.raw_id, c.source_file, p_until, v_run
  FROM tmp_med_gcust_new s
  STRAIGHT_JOIN curated_sales c ON c.customer_id = s.customer_id
  WHERE NOT EXISTS (SELECT 1 FROM gold_sales_wide w
                     WHERE w.order_id = c.order_id AND w.line_no = c.line_no);
  SET v_written = v_written + ROW_COUNT();
  -- No wide row is deleted: curated rows are never deleted (a line that moved to another
  -- customer was updated above, as a line of that customer).

  INSERT INTO audit_layer_counts (run_id, layer, slot, window_since, rows_in, rows_written,
                                  rows_quarantined, recorded_at)
  VALUES (v_run, 'gold', p_until, p_since, v_in, v_written, 0, v_now)
  ON DUPLICATE KEY UPDATE slot = p_until, window_since = p_since, rows_in = v_in,
    rows_written = v_written, rows_quarantined = 0, recorded_at = v_now;

  COMMIT;
  SET v_in_trx = FALSE;
  DROP TEMPORARY TABLE IF EXISTS tmp_med_gdays, tmp_med_gcust, tmp_med_gday_new,
    tmp_med_gcust_new;
  DO RELEASE_LOCK(v_lock);
END$$
DELIMITER ;
