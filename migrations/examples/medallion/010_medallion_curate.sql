-- medallion_curate(p_since DATETIME, p_until DATETIME, p_run_id BIGINT)
--
-- Bronze -> silver. The window is the raw rows with ingest_slot > p_since (every row when
-- p_since is NULL) and ingest_slot <= p_until; when p_since >= p_until (a slot re-run whose
-- watermark is already past it) the window is the single slot ingest_slot = p_until. In sqlcron:
-- args: ["{last_success}", "{scheduled_for}", "{run_id}"].
--
-- Each raw row of the window is typed after trimming spaces. A row is valid when:
--   order_id     integer >= 1, at most 18 digits          -> BIGINT
--   line_no      integer >= 1, at most 9 digits           -> INT
--   order_date   YYYY-MM-DD, a real calendar date (year 1000-9999) -> DATE
--   customer_id  integer >= 1, at most 18 digits          -> BIGINT
--   customer_name, product   not empty, at most 255 characters
--   quantity     integer >= 1, at most 9 digits           -> INT
--   unit_price   decimal >= 0 with at most 10 integer digits and 2 decimals -> DECIMAL(12,2)
-- (NULL, i.e. an empty unquoted field, and '' count as missing). Leading zeros are allowed.
-- Invalid rows go to quarantine_sales (once per raw_id) with every reason found, e.g.
-- 'order_date is not a calendar date; quantity is not an integer'.
--
-- Valid rows are deduplicated on (order_id, line_no): the latest ingested version (highest
-- raw_id) wins, across windows too: a curated row is replaced only by a valid raw row with a
-- higher raw_id, so windows can be processed in any order, re-run, or merged into one window,
-- always with the same curated_sales. An invalid newer version does not remove or change the
-- curated row (it is quarantined). Changed rows get curated_slot = p_until and
-- curated_run_id = p_run_id; unchanged rows are not rewritten (a re-run writes nothing).
--
-- Audit: rows 'raw' and 'curated' of run p_run_id in audit_layer_counts (see 001_tables.sql),
-- replaced if the run id already has them. NULL p_run_id is recorded as run 0 (a manual call).
-- Everything in ONE transaction: an error rolls all of it back.
--
-- Errors: p_until NULL -> SQLSTATE 45000. The medallion procedures of one schema run one at a
-- time (named lock '<schema>.medallion', waited for up to 300 s, then SQLSTATE 45000). Any error
-- is re-signalled unchanged after cleanup.

DROP PROCEDURE IF EXISTS medallion_curate;

DELIMITER $$
CREATE PROCEDURE medallion_curate(IN p_since DATETIME, IN p_until DATETIME, IN p_run_id BIGINT)
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
  COMMENT 'Medallion example: raw_sales -> curated_sales + quarantine_sales (sqlcron)'
BEGIN
  DECLARE v_lock VARCHAR(64) DEFAULT CONCAT(LEFT(DATABASE(), 40), '.medallion');
  DECLARE v_run BIGINT DEFAULT COALESCE(p_run_id, 0);
  DECLARE v_from DATETIME;
  DECLARE v_now DATETIME(6) DEFAULT UTC_TIMESTAMP(6);
  DECLARE v_locked BOOLEAN DEFAULT FALSE;
  DECLARE v_in_trx BOOLEAN DEFAULT FALSE;
  DECLARE v_in BIGINT DEFAULT 0;
  DECLARE v_bad BIGINT DEFAULT 0;
  DECLARE v_written BIGINT DEFAULT 0;

  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    IF v_in_trx THEN
      ROLLBACK;
    END IF;
    DROP TEMPORARY TABLE IF EXISTS tmp_med_raw, tmp_med_win;
    IF v_locked THEN
      DO RELEASE_LOCK(v_lock);
    END IF;
    RESIGNAL;
  END;

  IF DATABASE() IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'medallion_curate: no default schema selected';
  END IF;
  IF p_until IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'medallion_curate: p_until must not be NULL';
  END IF;
  -- The window (p_since, p_until] as [v_from, p_until]: slots are whole seconds.
  SET v_from = CASE WHEN p_since IS NULL THEN CAST('1000-01-01 00:00:00' AS DATETIME)
                    WHEN p_since >= p_until THEN p_until
                    ELSE p_since + INTERVAL 1 SECOND END;
  IF COALESCE(GET_LOCK(v_lock, 300), 0) <> 1 THEN
    SIGNAL SQLSTATE '45000'
      SET MESSAGE_TEXT = 'medallion_curate: another medallion step kept running in this schema for 300 s';
  END IF;
  SET v_locked = TRUE;

  -- Temporary tables outside the transaction (GTID-safe on MySQL).
  DROP TEMPORARY TABLE IF EXISTS tmp_med_raw, tmp_med_win;
  CREATE TEMPORARY TABLE tmp_med_raw (
    raw_id         BIGINT        NOT NULL,
    order_id       BIGINT        NULL,
    line_no        INT           NULL,
    order_date     DATE          NULL,
    customer_id    BIGINT        NULL,
    customer_name  VARCHAR(255)  NULL,
    product        VARCHAR(255)  NULL,
    quantity       INT           NULL,
    unit_price     DECIMAL(12,2) NULL,
    source_file    VARCHAR(255)  NOT NULL,
    source_line    INT           NOT NULL,
    ingest_slot    DATETIME      NOT NULL,
    reason         VARCHAR(512)  NULL,       -- NULL: valid
    t_order_id     VARCHAR(1024) NULL,       -- the trimmed text, typed in step 2
    t_line_no      VARCHAR(1024) NULL,
    t_order_date   VARCHAR(1024) NULL,
    t_customer_id  VARCHAR(1024) NULL,
    t_quantity     VARCHAR(1024) NULL,
    t_unit_price   VARCHAR(1024) NULL,
    PRIMARY KEY (raw_id)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
  CREATE TEMPORARY TABLE tmp_med_win (
    order_id  BIGINT NOT NULL,
    line_no   INT    NOT NULL,
    raw_id    BIGINT NOT NULL,
    PRIMARY KEY (order_id, line_no)
  ) ENGINE=InnoDB;

  -- READ COMMITTED: raw rows are read without locking the loader out.
  SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
  START TRANSACTION;
  SET v_in_trx = TRUE;

  -- 1. The window, validated with string functions only (a CAST of bad text would be an
  --    error in strict mode); the names are kept only when they are valid (at most 255).
  INSERT INTO tmp_med_raw (raw_id, customer_name, product, source_file, source_line,
                           ingest_slot, reason, t_order_id, t_line_no, t_order_date,
                           t_customer_id, t_quantity, t_unit_price)
  SELECT v.raw_id,
         IF(CHAR_LENGTH(v.customer_name) <= 255, v.customer_name, NULL),
         IF(CHAR_LENGTH(v.product) <= 255, v.product, NULL),
         v.source_file, v.source_line, v.ingest_slot, v.reason, v.order_id, v.line_no,
         v.order_date, v.customer_id, v.quantity, v.unit_price
  FROM (
    SELECT t.raw_id, t.order_id, t.line_no, t.order_date, t.customer_id, t.customer_name,
           t.product, t.quantity, t.unit_price, t.source_file, t.source_line, t.ingest_slot,
           NULLIF(CONCAT_WS('; ',
             CASE WHEN COALESCE(t.order_id, '') = '' THEN 'missing order_id'
                  WHEN t.order_id NOT REGEXP '^[0-9]+$' THEN 'order_id is not an integer'
                  WHEN t.order_id NOT REGEXP '^0*[1-9][0-9]{0,17}$'
                    THEN 'order_id is not in 1..10^18-1' END,
             CASE WHEN COALESCE(t.line_no, '') = '' THEN 'missing line_no'
                  WHEN t.line_no NOT REGEXP '^[0-9]+$' THEN 'line_no is not an integer'
                  WHEN t.line_no NOT REGEXP '^0*[1-9][0-9]{0,8}$'
                    THEN 'line_no is not in 1..999999999' END,
             CASE WHEN COALESCE(t.order_date, '') = '' THEN 'missing order_date'
                  WHEN t.order_date NOT REGEXP '^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}$'
                    THEN 'order_date is not YYYY-MM-DD'
                  WHEN SUBSTRING(t.order_date, 6, 2) NOT BETWEEN '01' AND '12'
                    THEN 'order_date is not a calendar date'
                  WHEN SUBSTRING(t.order_date, 9, 2) < '01'
                    OR CAST(SUBSTRING(t.order_date, 9, 2) AS UNSIGNED)
                       > DAY(LAST_DAY(CONCAT(LEFT(t.order_date, 7), '-01')))
                    THEN 'order_date is not a calendar date' END,
             CASE WHEN COALESCE(t.customer_id, '') = '' THEN 'missing customer_id'
                  WHEN t.customer_id NOT REGEXP '^[0-9]+$' THEN 'customer_id is not an integer'
                  WHEN t.customer_id NOT REGEXP '^0*[1-9][0-9]{0,17}$'
                    THEN 'customer_id is not in 1..10^18-1' END,
             CASE WHEN COALESCE(t.customer_name, '') = '' THEN 'missing customer_name'
                  WHEN CHAR_LENGTH(t.customer_name) > 255
                    THEN 'customer_name is longer than 255 characters' END,
             CASE WHEN COALESCE(t.product, '') = '' THEN 'missing product'
                  WHEN CHAR_LENGTH(t.product) > 255
                    THEN 'product is longer than 255 characters' END,
             CASE WHEN COALESCE(t.quantity, '') = '' THEN 'missing quantity'
                  WHEN t.quantity NOT REGEXP '^-?[0-9]+$' THEN 'quantity is not an integer'
                  WHEN t.quantity REGEXP '^(-[0-9]+|0+)$' THEN 'quantity is not positive'
                  WHEN t.quantity NOT REGEXP '^0*[1-9][0-9]{0,8}$'
                    THEN 'quantity is above 999999999' END,
             CASE WHEN COALESCE(t.unit_price, '') = '' THEN 'missing unit_price'
                  WHEN t.unit_price NOT REGEXP '^-?[0-9]+([.][0-9]+)?$'
                    THEN 'unit_price is not a decimal number'
                  WHEN LEFT(t.unit_price, 1) = '-' THEN 'unit_price is negative'
                  WHEN t.unit_price NOT REGEXP '^[0-9]+([.][0-9]{1,2})?$'
                    THEN 'unit_price has more than 2 decimals'
                  WHEN t.unit_price NOT REGEXP '^0*[0-9]{1,10}([.][0-9]+)?$'
                    THEN 'unit_price is above 9999999999.99' END
           ), '') AS reason
    FROM (SELECT r.raw_id, TRIM(r.order_id) AS order_id, TRIM(r.line_no) AS line_no,
                 TRIM(r.order_date) AS order_date, TRIM(r.customer_id) AS customer_id,
                 TRIM(r.customer_name) AS customer_name, TRIM(r.product) AS product,
                 TRIM(r.quantity) AS quantity, TRIM(r.unit_price) AS unit_price,
                 r.source_file, r.source_line, r.ingest_slot
            FROM raw_sales r
           WHERE r.ingest_slot BETWEEN v_from AND p_until) t
  ) v;
  -- 2. Typed values of the valid rows.
  UPDATE tmp_med_raw
     SET order_id = CAST(t_order_id AS UNSIGNED), line_no = CAST(t_line_no AS UNSIGNED),
         order_date = CAST(t_order_date AS DATE), customer_id = CAST(t_customer_id AS UNSIGNED),
         quantity = CAST(t_quantity AS UNSIGNED),
         unit_price = CAST(t_unit_price AS DECIMAL(12,2))
   WHERE reason IS NULL;
  SELECT COUNT(*), COALESCE(SUM(reason IS NOT NULL), 0) INTO v_in, v_bad FROM tmp_med_raw;

  -- 3. Quarantine: once per raw row (raw rows never change, nor does their verdict).
  INSERT INTO quarantine_sales (raw_id, source_file, source_line, ingest_slot, reason, order_id,
                                line_no, order_date, customer_id, customer_name, product,
                                quantity, unit_price, quarantined_run_id, quarantined_at)
  SELECT t.raw_id, t.source_file, t.source_line, t.ingest_slot, t.reason, r.order_id, r.line_no,
         r.order_date, r.customer_id, r.customer_name, r.product, r.quantity, r.unit_price,
         v_run, v_now
  FROM tmp_med_raw t
  JOIN raw_sales r ON r.raw_id = t.raw_id
  WHERE t.reason IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM quarantine_sales q WHERE q.raw_id = t.raw_id);

  -- 4. The window's latest valid version of each key.
  INSERT INTO tmp_med_win (order_id, line_no, raw_id)
  SELECT t.order_id, t.line_no, MAX(t.raw_id)
  FROM tmp_med_raw t
  WHERE t.reason IS NULL
  GROUP BY t.order_id, t.line_no;

  -- 5. Replace curated rows that hold an older version; add new keys.
  UPDATE curated_sales c
    JOIN tmp_med_win w ON w.order_id = c.order_id AND w.line_no = c.line_no
    JOIN tmp_med_raw t ON t.raw_id = w.raw_id
     SET c.order_date = t.order_date, c.customer_id = t.customer_id,
         c.customer_name = t.customer_name, c.product = t.product, c.quantity = t.quantity,
         c.unit_price = t.unit_price, c.line_total = t.quantity * t.unit_price,
         c.raw_id = t.raw_id, c.source_file = t.source_file, c.source_line = t.source_line,
         c.ingest_slot = t.ingest_slot, c.curated_slot = p_until, c.curated_run_id = v_run,
         c.curated_at = v_now
   WHERE c.raw_id < w.raw_id;
  SET v_written = ROW_COUNT();
  INSERT INTO curated_sales (order_id, line_no, order_date, customer_id, customer_name, product,
                             quantity, unit_price, line_total, raw_id, source_file, source_line,
                             ingest_slot, curated_slot, curated_run_id, curated_at)
  SELECT t.order_id, t.line_no, t.order_date, t.customer_id, t.customer_name, t.product,
         t.quantity, t.unit_price, t.quantity * t.unit_price, t.raw_id, t.source_file,
         t.source_line, t.ingest_slot, p_until, v_run, v_now
  FROM tmp_med_win w
  JOIN tmp_med_raw t ON t.raw_id = w.raw_id
  WHERE NOT EXISTS (SELECT 1 FROM curated_sales c
                     WHERE c.order_id = w.order_id AND c.line_no = w.line_no)
  ORDER BY t.order_id, t.line_no;
  SET v_written = v_written + ROW_COUNT();

  -- 6. Audit, in the same transaction.
  INSERT INTO audit_layer_counts (run_id, layer, slot, window_since, rows_in, rows_written,
                                  rows_quarantined, recorded_at)
  VALUES (v_run, 'raw', p_until, p_since, v_in, v_in, 0, v_now),
         (v_run, 'curated', p_until, p_since, v_in, v_written, v_bad, v_now)
  ON DUPLICATE KEY UPDATE slot = p_until, window_since = p_since,
    rows_in = v_in, rows_written = IF(layer = 'raw', v_in, v_written),
    rows_quarantined = IF(layer = 'raw', 0, v_bad), recorded_at = v_now;

  COMMIT;
  SET v_in_trx = FALSE;
  DROP TEMPORARY TABLE IF EXISTS tmp_med_raw, tmp_med_win;
  DO RELEASE_LOCK(v_lock);
END$$
DELIMITER ;
