-- medallion_check(p_run_id BIGINT)
--
-- Checks that the gold layer agrees with the curated layer, in one consistent snapshot:
--   totals   lines, revenue (sum of line_total) and quantity of curated_sales equal the sums of
--            gold_daily_sales (line_count, revenue, quantity); gold_sales_wide has as many lines
--            and the same revenue; the lifetime values of gold_customer_stats add up to the
--            revenue and it has one row per distinct curated customer;
--   per day       every curated order_date has a gold_daily_sales row with equal figures and
--                 there is no other row;
--   per customer  every curated customer has a gold_customer_stats row with equal figures
--                 (name from the latest ingested line, lifetime value, orders, lines, quantity,
--                 first and last order date) and there is no other row;
--   per line      every curated line has a gold_sales_wide row with equal values and customer
--                 figures equal to gold_customer_stats, and there is no other row.
-- Writes one row to medallion_check_log (committed) either way, with status:
--   passed    everything agrees;
--   deferred  something differs but curated_sales holds changes of a curate slot after the
--             latest gold run (audit_layer_counts): gold has not caught up yet, which a
--             pipeline instance overlapping this one can cause; the next check decides;
--   failed    something differs: then SIGNAL SQLSTATE '45000' with MESSAGE_TEXT
--             'medallion_check: gold differs from curated: ...' (at most 128 characters; the
--             full text is in the log row).
-- In sqlcron: args: ["{run_id}"], after medallion_gold; on_failure fires the alert hook.
-- NULL p_run_id is recorded as run 0. Serialised with the other medallion procedures of the
-- schema (named lock '<schema>.medallion', waited for up to 300 s, then SQLSTATE 45000). Any
-- error is re-signalled unchanged after cleanup.

DROP PROCEDURE IF EXISTS medallion_check;

DELIMITER $$
CREATE PROCEDURE medallion_check(IN p_run_id BIGINT)
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
  COMMENT 'Medallion example: gold totals equal curated totals, or SQLSTATE 45000 (sqlcron)'
BEGIN
  DECLARE v_lock VARCHAR(64) DEFAULT CONCAT(LEFT(DATABASE(), 40), '.medallion');
  DECLARE v_run BIGINT DEFAULT COALESCE(p_run_id, 0);
  DECLARE v_locked BOOLEAN DEFAULT FALSE;
  DECLARE v_in_trx BOOLEAN DEFAULT FALSE;
  DECLARE v_c_lines, v_c_qty, v_c_cust BIGINT DEFAULT 0;
  DECLARE v_d_lines, v_d_qty, v_w_lines, v_g_cust BIGINT DEFAULT 0;
  DECLARE v_c_rev, v_d_rev, v_w_rev, v_ltv DECIMAL(24,2) DEFAULT 0;
  DECLARE v_day_bad, v_cust_bad, v_line_bad BIGINT DEFAULT 0;
  DECLARE v_gold_slot DATETIME DEFAULT NULL;
  DECLARE v_pending BOOLEAN DEFAULT FALSE;
  DECLARE v_status VARCHAR(16);
  DECLARE v_msg VARCHAR(512);

  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    IF v_in_trx THEN
      ROLLBACK;
    END IF;
    IF v_locked THEN
      DO RELEASE_LOCK(v_lock);
    END IF;
    RESIGNAL;
  END;

  IF DATABASE() IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'medallion_check: no default schema selected';
  END IF;
  IF COALESCE(GET_LOCK(v_lock, 300), 0) <> 1 THEN
    SIGNAL SQLSTATE '45000'
      SET MESSAGE_TEXT = 'medallion_check: another medallion step kept running in this schema for 300 s';
  END IF;
  SET v_locked = TRUE;

  -- One snapshot for every read below (plain SELECTs: no locks taken).
  SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;
  START TRANSACTION WITH CONSISTENT SNAPSHOT;
  SET v_in_trx = TRUE;

  SELECT COUNT(*), COALESCE(SUM(line_total), 0), COALESCE(SUM(quantity), 0),
         COUNT(DISTINCT customer_id)
    INTO v_c_lines, v_c_rev, v_c_qty, v_c_cust
    FROM curated_sales;
  SELECT COALESCE(SUM(line_count), 0), COALESCE(SUM(revenue), 0), COALESCE(SUM(quantity), 0)
    INTO v_d_lines, v_d_rev, v_d_qty
    FROM gold_daily_sales;
  SELECT COUNT(*), COALESCE(SUM(line_total), 0) INTO v_w_lines, v_w_rev FROM gold_sales_wide;
  SELECT COUNT(*), COALESCE(SUM(lifetime_value), 0) INTO v_g_cust, v_ltv
    FROM gold_customer_stats;

  SELECT COUNT(*) INTO v_day_bad
    FROM (SELECT c.order_date, SUM(c.line_total) AS revenue, COUNT(DISTINCT c.order_id) AS orders,
                 COUNT(DISTINCT c.customer_id) AS customers, SUM(c.quantity) AS quantity,
                 COUNT(*) AS line_count
            FROM curated_sales c GROUP BY c.order_date) a
    LEFT JOIN gold_daily_sales g ON g.order_date = a.order_date
   WHERE g.order_date IS NULL OR g.revenue <> a.revenue OR g.orders <> a.orders
      OR g.customers <> a.customers OR g.quantity <> a.quantity
      OR g.line_count <> a.line_count;
  SELECT v_day_bad + COUNT(*) INTO v_day_bad
    FROM gold_daily_sales g
   WHERE NOT EXISTS (SELECT 1 FROM curated_sales c WHERE c.order_date = g.order_date);

  SELECT COUNT(*) INTO v_cust_bad
    FROM (SELECT c.customer_id, SUM(c.line_total) AS ltv, COUNT(DISTINCT c.order_id) AS orders,
                 COUNT(*) AS n_lines, SUM(c.quantity) AS qty, MIN(c.order_date) AS first_date,
                 MAX(c.order_date) AS last_date, MAX(c.raw_id) AS last_raw
            FROM curated_sales c GROUP BY c.customer_id) a
    JOIN curated_sales n ON n.raw_id = a.last_raw
    LEFT JOIN gold_customer_stats g ON g.customer_id = a.customer_id
   WHERE g.customer_id IS NULL
      OR CAST(g.customer_name AS BINARY) <> CAST(n.customer_name AS BINARY)
      OR g.lifetime_value <> a.ltv OR g.order_count <> a.orders OR g.line_count <> a.n_lines
      OR g.quantity <> a.qty OR g.first_order_date <> a.first_date
      OR g.last_order_date <> a.last_date;
  SELECT v_cust_bad + COUNT(*) INTO v_cust_bad
    FROM gold_customer_stats g
   WHERE NOT EXISTS (SELECT 1 FROM curated_sales c WHERE c.customer_id = g.customer_id);

  SELECT COUNT(*) INTO v_line_bad
    FROM curated_sales c
    LEFT JOIN gold_sales_wide w ON w.order_id = c.order_id AND w.line_no = c.line_no
    LEFT JOIN gold_customer_stats s ON s.customer_id = c.customer_id
   WHERE w.order_id IS NULL OR s.customer_id IS NULL
      OR w.order_date <> c.order_date OR w.customer_id <> c.customer_id
      OR CAST(w.customer_name AS BINARY) <> CAST(c.customer_name AS BINARY)
      OR CAST(w.product AS BINARY) <> CAST(c.product AS BINARY)
      OR w.quantity <> c.quantity OR w.unit_price <> c.unit_price
      OR w.line_total <> c.line_total OR w.raw_id <> c.raw_id
      OR w.customer_lifetime_value <> s.lifetime_value
      OR w.customer_order_count <> s.order_count
      OR w.customer_first_order_date <> s.first_order_date
      OR w.customer_last_order_date <> s.last_order_date
      OR w.days_since_first_order <> DATEDIFF(c.order_date, s.first_order_date);
  SELECT v_line_bad + COUNT(*) INTO v_line_bad
    FROM gold_sales_wide w
   WHERE NOT EXISTS (SELECT 1 FROM curated_sales c
                      WHERE c.order_id = w.order_id AND c.line_no = w.line_no);

  -- Has gold processed every curate slot? (curated_slot: the curate run that changed a row.)
  SELECT MAX(slot) INTO v_gold_slot FROM audit_layer_counts WHERE layer = 'gold';
  SELECT COUNT(*) > 0 INTO v_pending
    FROM curated_sales c
   WHERE v_gold_slot IS NULL OR c.curated_slot > v_gold_slot;
  COMMIT;
  SET v_in_trx = FALSE;

  IF v_d_lines = v_c_lines AND v_d_rev = v_c_rev AND v_d_qty = v_c_qty
     AND v_w_lines = v_c_lines AND v_w_rev = v_c_rev AND v_ltv = v_c_rev
     AND v_g_cust = v_c_cust AND v_day_bad = 0 AND v_cust_bad = 0 AND v_line_bad = 0 THEN
    SET v_status = 'passed';
    SET v_msg = CONCAT('medallion_check: gold equals curated: ', v_c_lines, ' lines, revenue ',
                       v_c_rev, ', quantity ', v_c_qty, ', ', v_c_cust, ' customers');
  ELSE
    SET v_status = IF(v_pending, 'deferred', 'failed');
    SET v_msg = CONCAT(
      IF(v_pending, 'medallion_check: gold not caught up with curated yet: ',
                    'medallion_check: gold differs from curated: '),
      CONCAT_WS('; ',
        IF(v_d_rev <> v_c_rev OR v_w_rev <> v_c_rev OR v_ltv <> v_c_rev,
           CONCAT('revenue ', v_c_rev, ' vs daily ', v_d_rev, ' wide ', v_w_rev, ' ltv ', v_ltv),
           NULL),
        IF(v_d_qty <> v_c_qty, CONCAT('quantity ', v_c_qty, ' vs ', v_d_qty), NULL),
        IF(v_d_lines <> v_c_lines OR v_w_lines <> v_c_lines,
           CONCAT('lines ', v_c_lines, ' vs daily ', v_d_lines, ' wide ', v_w_lines), NULL),
        IF(v_g_cust <> v_c_cust, CONCAT('customers ', v_c_cust, ' vs ', v_g_cust), NULL),
        IF(v_day_bad > 0, CONCAT(v_day_bad, ' day(s) differ'), NULL),
        IF(v_cust_bad > 0, CONCAT(v_cust_bad, ' customer(s) differ'), NULL),
        IF(v_line_bad > 0, CONCAT(v_line_bad, ' wide line(s) differ'), NULL)));
  END IF;

  START TRANSACTION;
  SET v_in_trx = TRUE;
  INSERT INTO medallion_check_log (run_id, status, curated_lines, curated_revenue,
                                   curated_quantity, curated_customers, daily_lines,
                                   daily_revenue, daily_quantity, wide_lines, wide_revenue,
                                   customer_ltv_total, gold_customers, day_mismatches,
                                   customer_mismatches, line_mismatches, message, checked_at)
  VALUES (v_run, v_status, v_c_lines, v_c_rev, v_c_qty, v_c_cust, v_d_lines, v_d_rev, v_d_qty,
          v_w_lines, v_w_rev, v_ltv, v_g_cust, v_day_bad, v_cust_bad, v_line_bad, v_msg,
          UTC_TIMESTAMP(6));
  COMMIT;
  SET v_in_trx = FALSE;

  IF v_status = 'failed' THEN
    -- The EXIT handler releases the lock and re-signals this to the caller.
    SET v_msg = LEFT(v_msg, 128);
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = v_msg;
  END IF;
  DO RELEASE_LOCK(v_lock);
END$$
DELIMITER ;
