-- sqlcron: repeatable
-- sale_summary(p_mode VARCHAR(16))
--
-- Maintains four tables:
--   sale_summary         one row per invoice line whose invoice exists: invoice, date, customer,
--                        customer name, billing country, track, track name, genre, unit price,
--                        quantity, line total (UnitPrice * Quantity).
--   sales_monthly        one row per calendar month with sales: Month (first day, DATE), Revenue
--                        (sum of line totals), Invoices, Customers (distinct), PrevMonthRevenue
--                        (revenue of the calendar month before; NULL when that month has no row)
--                        and MoMChangePct (100 * (Revenue - Prev) / Prev, 2 decimals; NULL
--                        without a previous month or when it is 0).
--   customer_cohort      CohortMonth (month of the customer's first purchase), MonthsSince (0 =
--                        the cohort month), CohortSize (customers in the cohort),
--                        ActiveCustomers (cohort customers buying in that month), RetentionPct
--                        (100 * ActiveCustomers / CohortSize, 2 decimals).
--   sale_customer_month  helper: one row per customer and month with purchases (Revenue,
--                        Invoices); lets incremental runs update the two tables above exactly
--                        without rescanning sale_summary.
--
-- p_mode 'full': brings all four tables to exactly what a rebuild from the base tables gives
-- now, atomically; then sets the watermark etl_watermark('sale_summary') to the highest
-- InvoiceLineId loaded. One pass over the base tables computes every line as a rebuild would load
-- it, compares it with the sale_summary row of the same id (every column; strings byte for
-- byte) and aggregates it per invoice. sale_customer_month, sales_monthly and customer_cohort are
-- always rebuilt from that pass into *_new tables. sale_summary is kept as it is when its
-- definition is the current one and it holds exactly those rows, no more, no fewer, none
-- different (the usual case: incremental runs keep it current), so 2.24 M identical rows are
-- not rewritten; the three other tables are then swapped in with ONE RENAME TABLE. Otherwise
-- (first run, any difference, changed definition) sale_summary is rebuilt from scratch as in
-- 'rebuild' and all four are swapped in with ONE RENAME TABLE. Either way readers see the old
-- set or the new set, never a mix, a missing or a partial table.
--
-- p_mode 'rebuild': like 'full' but always rebuilds sale_summary from scratch (no comparison).
--
-- p_mode 'incremental': in ONE transaction, appends the invoice lines with InvoiceLineId above the
-- watermark (first raised to the highest line sale_summary holds, so a stale watermark can never
-- duplicate a row), updates sale_customer_month, sales_monthly (only the months touched) and
-- customer_cohort (by delta: the touched customers' old contributions out, new ones in, so a
-- customer whose first purchase moves changes cohort correctly), and advances the watermark. A crash or error at any point rolls all of it back; a re-run is always safe.
-- Falls back to 'full' when the tables or the watermark do not exist yet.
-- Incremental runs see new lines only: updated or deleted lines, and lines whose invoice was
-- missing when the watermark passed them, are picked up by the next 'full' run (schedule one,
-- e.g. nightly). Lines with ids below the watermark that commit late are likewise only picked
-- up by 'full'.
--
-- Any other mode: SQLSTATE 45000. Runs in one schema are serialised by a named lock; a second
-- concurrent call fails at once with SQLSTATE 45000.

DROP PROCEDURE IF EXISTS sale_summary;

DELIMITER $$
CREATE PROCEDURE sale_summary(IN p_mode VARCHAR(16))
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
  COMMENT 'Refresh sale_summary, sales_monthly, customer_cohort (sqlcron Chinook pack)'
BEGIN
  DECLARE v_mode VARCHAR(16) DEFAULT LOWER(TRIM(p_mode));
  DECLARE v_lock VARCHAR(64) DEFAULT CONCAT(LEFT(DATABASE(), 40), '.sale_summary');
  DECLARE v_saved_tmp BIGINT UNSIGNED DEFAULT @@SESSION.tmp_table_size;
  DECLARE v_saved_heap BIGINT UNSIGNED DEFAULT @@SESSION.max_heap_table_size;
  DECLARE v_saved_gcml BIGINT UNSIGNED DEFAULT @@SESSION.group_concat_max_len;
  DECLARE v_locked BOOLEAN DEFAULT FALSE;
  DECLARE v_in_trx BOOLEAN DEFAULT FALSE;
  DECLARE v_reuse BOOLEAN DEFAULT FALSE;
  DECLARE v_src_lines BIGINT DEFAULT 0;
  DECLARE v_same BIGINT DEFAULT 0;
  DECLARE v_ss_rows BIGINT DEFAULT 0;
  DECLARE v_wm BIGINT DEFAULT NULL;
  DECLARE v_stored_wm BIGINT DEFAULT NULL;
  DECLARE v_new_wm BIGINT DEFAULT NULL;
  DECLARE v_tables INT DEFAULT 0;
  DECLARE v_msg VARCHAR(255);

  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    IF v_in_trx THEN
      ROLLBACK;
    END IF;
    SET SESSION tmp_table_size = v_saved_tmp;
    SET SESSION max_heap_table_size = v_saved_heap;
    SET SESSION group_concat_max_len = v_saved_gcml;
    DROP TEMPORARY TABLE IF EXISTS tmp_ss_new_inv, tmp_ss_cm_delta, tmp_ss_customers,
      tmp_ss_cohort_delta, tmp_ss_cohort_size, tmp_ss_month_rev, tmp_ss_inv;
    IF v_locked THEN
      DROP TABLE IF EXISTS sale_summary_new, sale_customer_month_new, sales_monthly_new,
        customer_cohort_new;
      DO RELEASE_LOCK(v_lock);
    END IF;
    RESIGNAL;
  END;

  IF v_mode IS NULL OR v_mode NOT IN ('full', 'incremental', 'rebuild') THEN
    SET v_msg = CONCAT('sale_summary: unknown mode ', COALESCE(QUOTE(p_mode), 'NULL'),
                       '; use ''full'', ''incremental'' or ''rebuild''');
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = v_msg;
  END IF;
  IF DATABASE() IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'sale_summary: no default schema selected';
  END IF;
  IF COALESCE(GET_LOCK(v_lock, 0), 0) <> 1 THEN
    SIGNAL SQLSTATE '45000'
      SET MESSAGE_TEXT = 'sale_summary: another refresh is running in this schema';
  END IF;
  SET v_locked = TRUE;
  SET SESSION tmp_table_size = GREATEST(v_saved_tmp, 268435456);
  SET SESSION max_heap_table_size = GREATEST(v_saved_heap, 268435456);

  IF v_mode = 'incremental' THEN
    SELECT COUNT(*) INTO v_tables FROM information_schema.TABLES
     WHERE TABLE_SCHEMA = DATABASE()
       AND TABLE_NAME IN ('sale_summary', 'sale_customer_month', 'sales_monthly',
                          'customer_cohort');
    SELECT MAX(LastId) INTO v_wm FROM etl_watermark WHERE Name = 'sale_summary';
    IF v_tables < 4 OR v_wm IS NULL THEN
      SET v_mode = 'full';
    END IF;
  END IF;

  IF v_mode IN ('full', 'rebuild') THEN
    DROP TABLE IF EXISTS sale_summary_new, sale_customer_month_new, sales_monthly_new,
      customer_cohort_new;
    DROP TABLE IF EXISTS sale_summary_old, sale_customer_month_old, sales_monthly_old,
      customer_cohort_old;
    DROP TEMPORARY TABLE IF EXISTS tmp_ss_inv;

    -- The final definition of sale_summary. In 'full' mode it is also the reference the
    -- existing table's definition is compared with.
    CREATE TABLE sale_summary_new (
      InvoiceLineId INT           NOT NULL,
      InvoiceId     INT           NOT NULL,
      InvoiceDate   DATETIME      NOT NULL,
      CustomerId    INT           NOT NULL,
      CustomerName  VARCHAR(61)   NULL,
      Country       VARCHAR(40)   NULL,
      TrackId       INT           NOT NULL,
      TrackName     VARCHAR(200)  NULL,
      Genre         VARCHAR(120)  NULL,
      UnitPrice     DECIMAL(10,2) NOT NULL,
      Quantity      INT           NOT NULL,
      LineTotal     DECIMAL(14,2) NOT NULL,
      PRIMARY KEY (InvoiceLineId),
      -- LineTotal makes the customer index covering for revenue by customer, and lets a
      -- rebuild read its per-invoice sums from this index in order (see below).
      KEY ix_sale_summary_customer (CustomerId, InvoiceDate, InvoiceId, LineTotal),
      KEY ix_sale_summary_track (TrackId),
      KEY ix_sale_summary_date (InvoiceDate)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

    -- One row per invoice (customer, month, revenue, lines): sale_customer_month is grouped
    -- from it (412 k rows at x1000 instead of 2.24 M lines; an invoice has one customer and one
    -- date, so counting its rows counts invoices exactly, no COUNT(DISTINCT)).
    -- In memory (written once, read once in full; the hash primary key is only there for
    -- sql_require_primary_key, the B-tree key gives the grouping order): about 100 bytes per
    -- invoice, so its size limit (max_heap_table_size when it is created) is raised to 1 GiB
    -- for it.
    SET SESSION max_heap_table_size = GREATEST(v_saved_heap, 1073741824);
    CREATE TEMPORARY TABLE tmp_ss_inv (
      InvoiceId  INT           NOT NULL,
      CustomerId INT           NOT NULL,
      Month      DATE          NOT NULL,
      Revenue    DECIMAL(14,2) NOT NULL,
      NLines     INT           NOT NULL,
      NSame      INT           NOT NULL,
      PRIMARY KEY (InvoiceId),
      -- sale_customer_month_new is grouped in this order: no temporary table, no sort.
      KEY ix_tmp_ss_inv_customer_month (CustomerId, Month) USING BTREE
    ) ENGINE=MEMORY;
    SET SESSION max_heap_table_size = GREATEST(v_saved_heap, 268435456);

    IF v_mode = 'full' THEN
      -- Reuse check: sale_summary is kept when its definition is the final one and every row
      -- equals, column for column (strings byte for byte), what a rebuild would load now, and
      -- it holds no other row. The same pass over the base tables yields tmp_ss_inv, from
      -- which the three other tables are rebuilt from scratch either way.
      SELECT COUNT(*) INTO v_tables FROM information_schema.TABLES
       WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'sale_summary';
      IF v_tables = 1 THEN
        SET SESSION group_concat_max_len = GREATEST(v_saved_gcml, 65535);
        SELECT COUNT(DISTINCT sig) = 1 AND COUNT(*) = 2 INTO v_reuse
          FROM (SELECT c.TABLE_NAME,
                       GROUP_CONCAT(CONCAT_WS(':', c.COLUMN_NAME, c.COLUMN_TYPE, c.IS_NULLABLE,
                                              COALESCE(c.COLLATION_NAME, '-'))
                                    ORDER BY c.ORDINAL_POSITION SEPARATOR ',') AS sig
                  FROM information_schema.COLUMNS c
                 WHERE c.TABLE_SCHEMA = DATABASE()
                   AND c.TABLE_NAME IN ('sale_summary', 'sale_summary_new')
                 GROUP BY c.TABLE_NAME) d;
        IF v_reuse THEN
          SELECT COUNT(DISTINCT sig) = 1 AND COUNT(*) = 2 INTO v_reuse
            FROM (SELECT x.TABLE_NAME,
                         GROUP_CONCAT(CONCAT_WS(':', x.INDEX_NAME, x.NON_UNIQUE, x.SEQ_IN_INDEX,
                                                x.COLUMN_NAME, COALESCE(x.SUB_PART, '-'))
                                      ORDER BY x.INDEX_NAME, x.SEQ_IN_INDEX SEPARATOR ',') AS sig
                    FROM information_schema.STATISTICS x
                   WHERE x.TABLE_SCHEMA = DATABASE()
                     AND x.TABLE_NAME IN ('sale_summary', 'sale_summary_new')
                   GROUP BY x.TABLE_NAME) d;
        END IF;
        IF v_reuse THEN
          SELECT COUNT(DISTINCT CONCAT_WS(':', ENGINE, TABLE_COLLATION, ROW_FORMAT)) = 1
            INTO v_reuse
            FROM information_schema.TABLES
           WHERE TABLE_SCHEMA = DATABASE()
             AND TABLE_NAME IN ('sale_summary', 'sale_summary_new');
        END IF;
        SET SESSION group_concat_max_len = v_saved_gcml;
      END IF;

      IF v_reuse THEN
        -- One pass: the lines a rebuild would load (READ COMMITTED: one consistent snapshot,
        -- no locks on the source rows), each compared with the sale_summary row of the same
        -- id, grouped per invoice. "+ 0": grouped in a hash table in scan order instead of a
        -- walk of the InvoiceId index with a clustered-index lookup per line. STRAIGHT_JOIN:
        -- InvoiceLine is scanned and drives, whatever the statistics say (driven from Invoice,
        -- the lines come through their InvoiceId index: 14.1 s of CPU instead of 11.0).
        SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
        INSERT INTO tmp_ss_inv (InvoiceId, CustomerId, Month, Revenue, NLines, NSame)
        SELECT STRAIGHT_JOIN il.InvoiceId + 0, MIN(i.CustomerId),
               MIN(CAST(DATE_FORMAT(i.InvoiceDate, '%Y-%m-01') AS DATE)),
               SUM(il.UnitPrice * il.Quantity), COUNT(*),
               COALESCE(SUM(s.InvoiceLineId IS NOT NULL
                   AND s.InvoiceId = il.InvoiceId AND s.InvoiceDate = i.InvoiceDate
                   AND s.CustomerId = i.CustomerId
                   AND CAST(s.CustomerName AS BINARY)
                       <=> CAST(CONCAT(c.FirstName, ' ', c.LastName) AS BINARY)
                   AND CAST(s.Country AS BINARY) <=> CAST(i.BillingCountry AS BINARY)
                   AND s.TrackId = il.TrackId
                   AND CAST(s.TrackName AS BINARY) <=> CAST(t.Name AS BINARY)
                   AND CAST(s.Genre AS BINARY) <=> CAST(g.Name AS BINARY)
                   AND s.UnitPrice = il.UnitPrice AND s.Quantity = il.Quantity
                   AND s.LineTotal = il.UnitPrice * il.Quantity), 0)
        FROM InvoiceLine il
        JOIN Invoice i ON i.InvoiceId = il.InvoiceId
        LEFT JOIN Customer c ON c.CustomerId = i.CustomerId
        LEFT JOIN Track t ON t.TrackId = il.TrackId
        LEFT JOIN Genre g ON g.GenreId = t.GenreId
        LEFT JOIN sale_summary s ON s.InvoiceLineId = il.InvoiceLineId
        GROUP BY il.InvoiceId + 0
        ORDER BY NULL;
        SELECT COALESCE(SUM(NLines), 0), COALESCE(SUM(NSame), 0) INTO v_src_lines, v_same
          FROM tmp_ss_inv;
        SELECT COUNT(*) INTO v_ss_rows FROM sale_summary;
        SET v_reuse = (v_same = v_src_lines AND v_ss_rows = v_src_lines);
        IF NOT v_reuse THEN
          DELETE FROM tmp_ss_inv;
        END IF;
      END IF;
    END IF;

    IF NOT v_reuse THEN
      -- Rebuild: loaded with the primary key only, in key order (appends to the last page);
      -- the secondary indexes are built afterwards by one sorted ALTER, about 4x less CPU than
      -- maintaining them row by row. unique_checks stays on: with it off, MariaDB 10.6+ takes
      -- its bulk-load path for an empty table (buffer and sort the rows, then build the index),
      -- which costs twice the CPU of this already-ordered insert (22 s against 11 s at x1000).
      ALTER TABLE sale_summary_new DROP KEY ix_sale_summary_customer,
        DROP KEY ix_sale_summary_track, DROP KEY ix_sale_summary_date;
      -- READ COMMITTED: the source rows are read without locking writers out. STRAIGHT_JOIN:
      -- InvoiceLine drives in key order (no sort), as in the comparison pass.
      SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
      INSERT INTO sale_summary_new
        (InvoiceLineId, InvoiceId, InvoiceDate, CustomerId, CustomerName, Country, TrackId,
         TrackName, Genre, UnitPrice, Quantity, LineTotal)
      SELECT STRAIGHT_JOIN il.InvoiceLineId, il.InvoiceId, i.InvoiceDate, i.CustomerId,
             CONCAT(c.FirstName, ' ', c.LastName), i.BillingCountry, il.TrackId, t.Name, g.Name,
             il.UnitPrice, il.Quantity, il.UnitPrice * il.Quantity
      FROM InvoiceLine il
      JOIN Invoice i ON i.InvoiceId = il.InvoiceId
      LEFT JOIN Customer c ON c.CustomerId = i.CustomerId
      LEFT JOIN Track t ON t.TrackId = il.TrackId
      LEFT JOIN Genre g ON g.GenreId = t.GenreId
      ORDER BY il.InvoiceLineId;
      ALTER TABLE sale_summary_new
        ADD KEY ix_sale_summary_customer (CustomerId, InvoiceDate, InvoiceId, LineTotal),
        ADD KEY ix_sale_summary_track (TrackId),
        ADD KEY ix_sale_summary_date (InvoiceDate);
      -- Per invoice from the new table itself (not the base tables again), so the aggregates
      -- agree with it exactly even while writers add lines. Read from the covering customer
      -- index, grouped in its order: a streaming group-by without a temporary table, 1.9 s of
      -- CPU at x1000 against 3.4 s for hashing a scan of the table by InvoiceId. The one
      -- statement above read each invoice once, so it has one customer and one date and each
      -- group is one invoice (tmp_ss_inv's primary key would reject anything else).
      INSERT INTO tmp_ss_inv (InvoiceId, CustomerId, Month, Revenue, NLines, NSame)
      SELECT s.InvoiceId, s.CustomerId, CAST(DATE_FORMAT(s.InvoiceDate, '%Y-%m-01') AS DATE),
             SUM(s.LineTotal), COUNT(*), 0
      FROM sale_summary_new s FORCE INDEX (ix_sale_summary_customer)
      GROUP BY s.CustomerId, s.InvoiceDate, s.InvoiceId;
    END IF;

    CREATE TABLE sale_customer_month_new (
      CustomerId INT           NOT NULL,
      Month      DATE          NOT NULL,
      Revenue    DECIMAL(14,2) NOT NULL,
      Invoices   INT           NOT NULL,
      PRIMARY KEY (CustomerId, Month),
      KEY ix_sale_customer_month_month (Month)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
    INSERT INTO sale_customer_month_new (CustomerId, Month, Revenue, Invoices)
    SELECT v.CustomerId, v.Month, SUM(v.Revenue), COUNT(*)
    FROM tmp_ss_inv v
    GROUP BY v.CustomerId, v.Month
    ORDER BY v.CustomerId, v.Month;
    DROP TEMPORARY TABLE tmp_ss_inv;

    CREATE TABLE sales_monthly_new (
      Month            DATE          NOT NULL,
      Revenue          DECIMAL(14,2) NOT NULL,
      Invoices         INT           NOT NULL,
      Customers        INT           NOT NULL,
      PrevMonthRevenue DECIMAL(14,2) NULL,
      MoMChangePct     DECIMAL(10,2) NULL,
      PRIMARY KEY (Month)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
    INSERT INTO sales_monthly_new (Month, Revenue, Invoices, Customers, PrevMonthRevenue,
                                   MoMChangePct)
    SELECT m.Month, m.Revenue, m.Invoices, m.Customers, m.Prev,
           ROUND(100 * (m.Revenue - m.Prev) / NULLIF(m.Prev, 0), 2)
    FROM (SELECT cm.Month, SUM(cm.Revenue) AS Revenue, SUM(cm.Invoices) AS Invoices,
                 COUNT(*) AS Customers,
                 CASE WHEN LAG(cm.Month) OVER (ORDER BY cm.Month) = cm.Month - INTERVAL 1 MONTH
                      THEN LAG(SUM(cm.Revenue)) OVER (ORDER BY cm.Month) END AS Prev
            FROM sale_customer_month_new cm IGNORE INDEX (ix_sale_customer_month_month)
           GROUP BY cm.Month) m;

    CREATE TABLE customer_cohort_new (
      CohortMonth     DATE         NOT NULL,
      MonthsSince     INT          NOT NULL,
      CohortSize      INT          NOT NULL,
      ActiveCustomers INT          NOT NULL,
      RetentionPct    DECIMAL(6,2) NOT NULL,
      PRIMARY KEY (CohortMonth, MonthsSince)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
    -- Every customer of a cohort buys in the cohort month, so the cohort size is the largest
    -- ActiveCustomers of the cohort (the MonthsSince = 0 row). sale_customer_month_new is read
    -- in primary-key order: per customer, the first row is the cohort month.
    INSERT INTO customer_cohort_new (CohortMonth, MonthsSince, CohortSize, ActiveCustomers,
                                     RetentionPct)
    SELECT x.CohortMonth, x.MonthsSince, x.CohortSize, x.Active,
           ROUND(100 * x.Active / x.CohortSize, 2)
    FROM (SELECT f.CohortMonth, TIMESTAMPDIFF(MONTH, f.CohortMonth, f.Month) AS MonthsSince,
                 COUNT(*) AS Active,
                 MAX(COUNT(*)) OVER (PARTITION BY f.CohortMonth) AS CohortSize
            FROM (SELECT cm.Month,
                         MIN(cm.Month) OVER (PARTITION BY cm.CustomerId) AS CohortMonth
                    FROM sale_customer_month_new cm) f
           GROUP BY f.CohortMonth, TIMESTAMPDIFF(MONTH, f.CohortMonth, f.Month)) x;

    CREATE TABLE IF NOT EXISTS sale_customer_month LIKE sale_customer_month_new;
    CREATE TABLE IF NOT EXISTS sales_monthly LIKE sales_monthly_new;
    CREATE TABLE IF NOT EXISTS customer_cohort LIKE customer_cohort_new;
    IF v_reuse THEN
      -- sale_summary stays: it already holds exactly the rows a rebuild would load.
      DROP TABLE sale_summary_new;
      SELECT COALESCE(MAX(InvoiceLineId), 0) INTO v_new_wm FROM sale_summary;
      RENAME TABLE sale_customer_month TO sale_customer_month_old,
                   sale_customer_month_new TO sale_customer_month,
                   sales_monthly TO sales_monthly_old, sales_monthly_new TO sales_monthly,
                   customer_cohort TO customer_cohort_old, customer_cohort_new TO customer_cohort;
      DROP TABLE sale_customer_month_old, sales_monthly_old, customer_cohort_old;
    ELSE
      CREATE TABLE IF NOT EXISTS sale_summary LIKE sale_summary_new;
      SELECT COALESCE(MAX(InvoiceLineId), 0) INTO v_new_wm FROM sale_summary_new;
      RENAME TABLE sale_summary TO sale_summary_old, sale_summary_new TO sale_summary,
                   sale_customer_month TO sale_customer_month_old,
                   sale_customer_month_new TO sale_customer_month,
                   sales_monthly TO sales_monthly_old, sales_monthly_new TO sales_monthly,
                   customer_cohort TO customer_cohort_old, customer_cohort_new TO customer_cohort;
      DROP TABLE sale_summary_old, sale_customer_month_old, sales_monthly_old,
        customer_cohort_old;
    END IF;
    -- After the swap: a crash in between leaves the watermark behind the table, which the
    -- incremental anti-join tolerates (the reverse order could skip lines).
    INSERT INTO etl_watermark (Name, LastId, UpdatedAt) VALUES ('sale_summary', v_new_wm, NOW(6))
      ON DUPLICATE KEY UPDATE LastId = v_new_wm, UpdatedAt = NOW(6);
  ELSE
    -- Incremental. Temporary tables are created outside the transaction (GTID-safe on MySQL).
    DROP TEMPORARY TABLE IF EXISTS tmp_ss_new_inv, tmp_ss_cm_delta, tmp_ss_customers,
      tmp_ss_cohort_delta, tmp_ss_cohort_size, tmp_ss_month_rev;
    CREATE TEMPORARY TABLE tmp_ss_new_inv (
      InvoiceId  INT           NOT NULL,
      CustomerId INT           NOT NULL,
      Month      DATE          NOT NULL,
      Revenue    DECIMAL(14,2) NOT NULL,
      IsNew      TINYINT       NOT NULL,
      PRIMARY KEY (InvoiceId)
    ) ENGINE=MEMORY;
    CREATE TEMPORARY TABLE tmp_ss_cm_delta (
      CustomerId  INT           NOT NULL,
      Month       DATE          NOT NULL,
      Revenue     DECIMAL(14,2) NOT NULL,
      NewInvoices INT           NOT NULL,
      PRIMARY KEY (CustomerId, Month)
    ) ENGINE=InnoDB;
    CREATE TEMPORARY TABLE tmp_ss_customers (
      CustomerId INT  NOT NULL PRIMARY KEY,
      NewMin     DATE NOT NULL,
      OldCohort  DATE NULL,
      NewCohort  DATE NULL
    ) ENGINE=InnoDB;
    CREATE TEMPORARY TABLE tmp_ss_cohort_delta (
      id          INT  NOT NULL AUTO_INCREMENT PRIMARY KEY,  -- sql_require_primary_key
      CohortMonth DATE NOT NULL,
      MonthsSince INT  NOT NULL,
      Delta       INT  NOT NULL
    ) ENGINE=InnoDB;
    CREATE TEMPORARY TABLE tmp_ss_cohort_size (
      CohortMonth DATE NOT NULL PRIMARY KEY,
      CohortSize  INT  NOT NULL
    ) ENGINE=InnoDB;
    CREATE TEMPORARY TABLE tmp_ss_month_rev (
      Month DATE          NOT NULL PRIMARY KEY,
      Prev  DECIMAL(14,2) NULL
    ) ENGINE=InnoDB;

    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
    START TRANSACTION;
    SET v_in_trx = TRUE;
    -- Re-read under a row lock: the watermark row serialises incremental runs even without the
    -- named lock (e.g. two schemas whose names share the first 40 characters).
    SELECT LastId INTO v_stored_wm FROM etl_watermark WHERE Name = 'sale_summary' FOR UPDATE;
    -- The watermark is the highest line sale_summary holds; it lags behind only after a crash
    -- between a 'full' run's swap and its watermark update, and is then caught up first, as that
    -- run would have set it. So sale_summary holds no line above it, and the new lines need no
    -- anti-join against it (which would make the statement read its own target through a
    -- temporary copy).
    SELECT GREATEST(v_stored_wm, COALESCE(MAX(InvoiceLineId), 0)) INTO v_wm FROM sale_summary;

    -- 1. The new lines, straight into sale_summary in key order.
    INSERT INTO sale_summary
      (InvoiceLineId, InvoiceId, InvoiceDate, CustomerId, CustomerName, Country, TrackId,
       TrackName, Genre, UnitPrice, Quantity, LineTotal)
    SELECT il.InvoiceLineId, il.InvoiceId, i.InvoiceDate, i.CustomerId,
           CONCAT(c.FirstName, ' ', c.LastName), i.BillingCountry, il.TrackId, t.Name, g.Name,
           il.UnitPrice, il.Quantity, il.UnitPrice * il.Quantity
    FROM InvoiceLine il
    JOIN Invoice i ON i.InvoiceId = il.InvoiceId
    LEFT JOIN Customer c ON c.CustomerId = i.CustomerId
    LEFT JOIN Track t ON t.TrackId = il.TrackId
    LEFT JOIN Genre g ON g.GenreId = t.GenreId
    WHERE il.InvoiceLineId > v_wm
    ORDER BY il.InvoiceLineId;

    IF ROW_COUNT() > 0 THEN
      -- 2. Per invoice of the new lines (a range of sale_summary's primary key): its revenue, and
      --    whether it is new, i.e. had no line loaded before (one look into the (CustomerId,
      --    InvoiceDate, InvoiceId) index per invoice, not per line). One statement loaded them,
      --    so all lines of an invoice carry its one customer and date.
      INSERT INTO tmp_ss_new_inv (InvoiceId, CustomerId, Month, Revenue, IsNew)
      SELECT n.InvoiceId, n.CustomerId, CAST(DATE_FORMAT(n.InvoiceDate, '%Y-%m-01') AS DATE),
             n.Revenue,
             NOT EXISTS (SELECT 1 FROM sale_summary s
                          WHERE s.CustomerId = n.CustomerId AND s.InvoiceDate = n.InvoiceDate
                            AND s.InvoiceId = n.InvoiceId AND s.InvoiceLineId <= v_wm)
      FROM (SELECT InvoiceId, MIN(CustomerId) AS CustomerId, MIN(InvoiceDate) AS InvoiceDate,
                   SUM(LineTotal) AS Revenue
              FROM sale_summary WHERE InvoiceLineId > v_wm GROUP BY InvoiceId) n;
      -- Per (customer, month): added revenue and new invoices.
      INSERT INTO tmp_ss_cm_delta (CustomerId, Month, Revenue, NewInvoices)
      SELECT CustomerId, Month, SUM(Revenue), SUM(IsNew)
      FROM tmp_ss_new_inv
      GROUP BY CustomerId, Month;

      -- 3. Touched customers, their cohort before and after.
      INSERT INTO tmp_ss_customers (CustomerId, NewMin)
      SELECT d.CustomerId, MIN(d.Month) FROM tmp_ss_cm_delta d GROUP BY d.CustomerId;
      UPDATE tmp_ss_customers a
         SET a.OldCohort = (SELECT MIN(cm.Month) FROM sale_customer_month cm
                             WHERE cm.CustomerId = a.CustomerId);
      UPDATE tmp_ss_customers
         SET NewCohort = LEAST(COALESCE(OldCohort, NewMin), NewMin);

      -- 4. Take the touched customers' old contributions out of the cohorts...
      INSERT INTO tmp_ss_cohort_delta (CohortMonth, MonthsSince, Delta)
      SELECT a.OldCohort, TIMESTAMPDIFF(MONTH, a.OldCohort, cm.Month), -COUNT(*)
      FROM tmp_ss_customers a
      STRAIGHT_JOIN sale_customer_month cm ON cm.CustomerId = a.CustomerId
      WHERE a.OldCohort IS NOT NULL
      GROUP BY a.OldCohort, TIMESTAMPDIFF(MONTH, a.OldCohort, cm.Month);

      -- 5. ... update the customer-months ...
      UPDATE tmp_ss_cm_delta d
        STRAIGHT_JOIN sale_customer_month cm ON cm.CustomerId = d.CustomerId AND cm.Month = d.Month
         SET cm.Revenue = cm.Revenue + d.Revenue, cm.Invoices = cm.Invoices + d.NewInvoices;
      INSERT INTO sale_customer_month (CustomerId, Month, Revenue, Invoices)
      SELECT d.CustomerId, d.Month, d.Revenue, d.NewInvoices
      FROM tmp_ss_cm_delta d
      WHERE NOT EXISTS (SELECT 1 FROM sale_customer_month cm
                         WHERE cm.CustomerId = d.CustomerId AND cm.Month = d.Month);

      -- 6. ... and put their new contributions back in.
      INSERT INTO tmp_ss_cohort_delta (CohortMonth, MonthsSince, Delta)
      SELECT a.NewCohort, TIMESTAMPDIFF(MONTH, a.NewCohort, cm.Month), COUNT(*)
      FROM tmp_ss_customers a
      STRAIGHT_JOIN sale_customer_month cm ON cm.CustomerId = a.CustomerId
      GROUP BY a.NewCohort, TIMESTAMPDIFF(MONTH, a.NewCohort, cm.Month);

      UPDATE customer_cohort cc
        JOIN (SELECT CohortMonth, MonthsSince, SUM(Delta) AS Delta FROM tmp_ss_cohort_delta
               GROUP BY CohortMonth, MonthsSince) d
          ON d.CohortMonth = cc.CohortMonth AND d.MonthsSince = cc.MonthsSince
         SET cc.ActiveCustomers = cc.ActiveCustomers + d.Delta;
      INSERT INTO customer_cohort (CohortMonth, MonthsSince, CohortSize, ActiveCustomers,
                                   RetentionPct)
      SELECT d.CohortMonth, d.MonthsSince, 0, d.Delta, 0
      FROM (SELECT CohortMonth, MonthsSince, SUM(Delta) AS Delta FROM tmp_ss_cohort_delta
             GROUP BY CohortMonth, MonthsSince) d
      WHERE d.Delta > 0
        AND NOT EXISTS (SELECT 1 FROM customer_cohort cc
                         WHERE cc.CohortMonth = d.CohortMonth AND cc.MonthsSince = d.MonthsSince);
      DELETE FROM customer_cohort WHERE ActiveCustomers <= 0;
      INSERT INTO tmp_ss_cohort_size (CohortMonth, CohortSize)
      SELECT CohortMonth, ActiveCustomers FROM customer_cohort WHERE MonthsSince = 0;
      UPDATE customer_cohort cc
        JOIN tmp_ss_cohort_size z ON z.CohortMonth = cc.CohortMonth
         SET cc.CohortSize = z.CohortSize,
             cc.RetentionPct = ROUND(100 * cc.ActiveCustomers / z.CohortSize, 2);

      -- 7. Months touched: recomputed from sale_customer_month (one index range per month);
      --    then previous-month figures for all months (one row per month: small).
      --    STRAIGHT_JOIN here and above: the small delta tables drive, whatever the statistics
      --    of tables a 'full' run has just created say (they can be empty for a while).
      DELETE m FROM sales_monthly m
       WHERE m.Month IN (SELECT d.Month FROM tmp_ss_cm_delta d);
      INSERT INTO sales_monthly (Month, Revenue, Invoices, Customers)
      SELECT cm.Month, SUM(cm.Revenue), SUM(cm.Invoices), COUNT(*)
      FROM (SELECT DISTINCT Month FROM tmp_ss_cm_delta) d
      STRAIGHT_JOIN sale_customer_month cm FORCE INDEX (ix_sale_customer_month_month)
        ON cm.Month = d.Month
      GROUP BY cm.Month;
      INSERT INTO tmp_ss_month_rev (Month, Prev)
      SELECT Month,
             CASE WHEN LAG(Month) OVER (ORDER BY Month) = Month - INTERVAL 1 MONTH
                  THEN LAG(Revenue) OVER (ORDER BY Month) END
      FROM sales_monthly;
      UPDATE sales_monthly m
        JOIN tmp_ss_month_rev p ON p.Month = m.Month
         SET m.PrevMonthRevenue = p.Prev,
             m.MoMChangePct = ROUND(100 * (m.Revenue - p.Prev) / NULLIF(p.Prev, 0), 2);

    END IF;
    -- The watermark is the highest line sale_summary holds (catches up after a crash between
    -- a full swap and its watermark update, too).
    SELECT GREATEST(v_wm, COALESCE(MAX(InvoiceLineId), 0)) INTO v_new_wm FROM sale_summary;
    IF v_new_wm > v_stored_wm THEN
      UPDATE etl_watermark SET LastId = v_new_wm, UpdatedAt = NOW(6) WHERE Name = 'sale_summary';
    END IF;
    COMMIT;
    SET v_in_trx = FALSE;
    DROP TEMPORARY TABLE IF EXISTS tmp_ss_new_inv, tmp_ss_cm_delta, tmp_ss_customers,
      tmp_ss_cohort_delta, tmp_ss_cohort_size, tmp_ss_month_rev;
  END IF;

  SET SESSION tmp_table_size = v_saved_tmp;
  SET SESSION max_heap_table_size = v_saved_heap;
  DO RELEASE_LOCK(v_lock);
END$$
DELIMITER ;
