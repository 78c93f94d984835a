-- sqlcron: repeatable
-- dq_checks(p_run_id BIGINT)
--
-- Data-quality checks over the Chinook base tables. Each run writes exactly one row per check
-- into dq_check_log (run_id, check_name, failing_rows, sample_keys = up to 10 failing keys,
-- ascending, comma-separated; NULL when none fail), all rows of a run in one transaction. A check
-- that finds rows does not fail the call: it is logged. NULL p_run_id: the next free run_id.
-- The checks (every one returns 0 on stock Chinook):
--   album_title_multiple_artists  album titles attributed to more than one artist: the same
--                                 title, compared exactly (binary, after trimming), on albums
--                                 of different ArtistIds; keys are AlbumIds. Stock Chinook has
--                                 "Minha Historia" (Chico Buarque) and "Minha História" (Os
--                                 Mutantes): different titles, so not flagged, though the
--                                 accent-insensitive default collation would equate them.
--   track_missing_album           tracks whose AlbumId is NULL or names no Album (TrackIds)
--   track_missing_media_type      tracks whose MediaTypeId names no MediaType (TrackIds)
--   track_missing_genre           tracks whose GenreId is NULL or names no Genre (TrackIds)
--   album_missing_artist          albums whose ArtistId names no Artist (AlbumIds)
--   invoice_line_missing_invoice  invoice lines whose invoice does not exist (InvoiceLineIds)
--   invoice_line_missing_track    invoice lines whose track does not exist (InvoiceLineIds)
--   invoice_missing_customer      invoices whose customer does not exist (InvoiceIds)
--   customer_missing_support_rep  customers whose SupportRepId names no Employee (a NULL rep is
--                                 allowed) (CustomerIds)
--   invoice_total_mismatch        invoices whose Total differs from the sum of their lines'
--                                 UnitPrice * Quantity (0 for an invoice without lines)
--                                 (InvoiceIds)
--
-- dq_checks_incremental(p_run_id BIGINT): the same checks and the same log rows, exactly what
-- dq_checks would log, as long as Invoice and InvoiceLine are appended to (new ids above old
-- ones). The five checks on the small tables (Album, Track, Customer) run whole; the four on
-- invoices and lines check only the lines with InvoiceLineId above the watermark, the invoices
-- with InvoiceId above it or with such a line, and every key that failed last time (kept in
-- dq_check_failing, so a fault that is repaired leaves the count and a late invoice clears its
-- lines). Every run (either procedure) stores its failing keys of those four checks and the
-- highest InvoiceId and InvoiceLineId it saw (dq_check_state), in the log's transaction.
-- Without a stored state it checks everything, as dq_checks. Updated or deleted invoices and
-- lines (a deleted invoice orphaning old lines, a changed Total) and rows committed late below
-- the watermark are seen by the next dq_checks: schedule it periodically (the example does,
-- weekly). Runs are serialised by the state row's lock.

-- The failing keys of the last run of the four invoice and line checks.
CREATE TABLE IF NOT EXISTS dq_check_failing (
  check_name VARCHAR(64) NOT NULL,
  k          BIGINT      NOT NULL,
  PRIMARY KEY (check_name, k)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- One row (id 1): the highest InvoiceId and InvoiceLineId the last run checked; NULL before the
-- first run.
CREATE TABLE IF NOT EXISTS dq_check_state (
  id            TINYINT     NOT NULL,
  LastInvoiceId BIGINT      NULL,
  LastLineId    BIGINT      NULL,
  UpdatedAt     DATETIME(6) NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS dq_check_log (
  id           BIGINT       NOT NULL AUTO_INCREMENT,
  run_id       BIGINT       NOT NULL,
  check_name   VARCHAR(64)  NOT NULL,
  failing_rows BIGINT       NOT NULL,
  sample_keys  VARCHAR(255) NULL,
  checked_at   DATETIME(6)  NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY ux_dq_check_log_run_check (run_id, check_name),
  KEY ix_dq_check_log_check (check_name, checked_at),
  KEY ix_dq_check_log_checked_at (checked_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

DROP PROCEDURE IF EXISTS dq_checks;
DROP PROCEDURE IF EXISTS dq_checks_incremental;
DROP PROCEDURE IF EXISTS dq_checks_run;

DELIMITER $$
-- The body of both: p_incremental FALSE checks everything, TRUE only what changed (see above).
CREATE PROCEDURE dq_checks_run(IN p_run_id BIGINT, IN p_incremental BOOLEAN)
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
  COMMENT 'Data-quality checks into dq_check_log (sqlcron Chinook pack; call dq_checks)'
BEGIN
  DECLARE v_run BIGINT DEFAULT p_run_id;
  DECLARE v_now DATETIME(6) DEFAULT NOW(6);
  DECLARE v_saved_gcml BIGINT UNSIGNED DEFAULT @@SESSION.group_concat_max_len;
  DECLARE v_saved_tmp BIGINT UNSIGNED DEFAULT @@SESSION.tmp_table_size;
  DECLARE v_saved_heap BIGINT UNSIGNED DEFAULT @@SESSION.max_heap_table_size;
  DECLARE v_incremental BOOLEAN DEFAULT COALESCE(p_incremental, FALSE);
  DECLARE v_wm_inv BIGINT;
  DECLARE v_wm_line BIGINT;
  DECLARE v_max_inv BIGINT;
  DECLARE v_max_line BIGINT;

  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    ROLLBACK;
    SET SESSION group_concat_max_len = v_saved_gcml;
    SET SESSION tmp_table_size = v_saved_tmp;
    SET SESSION max_heap_table_size = v_saved_heap;
    DROP TEMPORARY TABLE IF EXISTS tmp_dq_fail, tmp_dq_lines, tmp_dq_invoices;
    RESIGNAL;
  END;

  IF DATABASE() IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'dq_checks: no default schema selected';
  END IF;
  SET SESSION group_concat_max_len = GREATEST(v_saved_gcml, 65535);
  -- The per-invoice sums (one group per invoice) stay in memory instead of spilling to an
  -- on-disk temporary table at the default 16 MiB: 1.3 s instead of 12 s at x1000.
  SET SESSION tmp_table_size = GREATEST(v_saved_tmp, 268435456);
  SET SESSION max_heap_table_size = GREATEST(v_saved_heap, 268435456);

  -- Failing keys of every check; the log rows are derived from it.
  DROP TEMPORARY TABLE IF EXISTS tmp_dq_fail, tmp_dq_lines, tmp_dq_invoices;
  CREATE TEMPORARY TABLE tmp_dq_fail (
    check_name VARCHAR(64) NOT NULL,
    k          BIGINT      NOT NULL,
    PRIMARY KEY (check_name, k)
  ) ENGINE=InnoDB;
  -- Incremental: the lines and invoices to check.
  CREATE TEMPORARY TABLE tmp_dq_lines (
    k         BIGINT NOT NULL,
    InvoiceId INT    NOT NULL,
    TrackId   INT    NOT NULL,
    PRIMARY KEY (k)
  ) ENGINE=MEMORY;
  CREATE TEMPORARY TABLE tmp_dq_invoices (k BIGINT NOT NULL, PRIMARY KEY (k)) ENGINE=MEMORY;
  INSERT IGNORE INTO dq_check_state (id) VALUES (1);

  SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
  START TRANSACTION;
  -- The state row's lock serialises runs (a second one waits for the first to commit).
  SELECT LastInvoiceId, LastLineId INTO v_wm_inv, v_wm_line
    FROM dq_check_state WHERE id = 1 FOR UPDATE;
  IF v_wm_inv IS NULL OR v_wm_line IS NULL THEN
    SET v_incremental = FALSE;
  END IF;
  IF v_run IS NULL THEN
    SELECT COALESCE(MAX(run_id), 0) + 1 INTO v_run FROM dq_check_log FOR UPDATE;
  END IF;
  -- Read before the data: rows committed meanwhile are above the new watermark.
  SELECT COALESCE(MAX(InvoiceId), 0) INTO v_max_inv FROM Invoice;
  SELECT COALESCE(MAX(InvoiceLineId), 0) INTO v_max_line FROM InvoiceLine;

  INSERT INTO tmp_dq_fail (check_name, k)
  SELECT 'album_title_multiple_artists', a.AlbumId
  FROM Album a
  JOIN (SELECT CAST(TRIM(Title) AS BINARY) AS t
          FROM Album
         GROUP BY CAST(TRIM(Title) AS BINARY)
        HAVING COUNT(DISTINCT ArtistId) > 1) d ON d.t = CAST(TRIM(a.Title) AS BINARY);

  INSERT INTO tmp_dq_fail (check_name, k)
  SELECT 'track_missing_album', t.TrackId
  FROM Track t LEFT JOIN Album a ON a.AlbumId = t.AlbumId
  WHERE a.AlbumId IS NULL;

  INSERT INTO tmp_dq_fail (check_name, k)
  SELECT 'track_missing_media_type', t.TrackId
  FROM Track t LEFT JOIN MediaType m ON m.MediaTypeId = t.MediaTypeId
  WHERE m.MediaTypeId IS NULL;

  INSERT INTO tmp_dq_fail (check_name, k)
  SELECT 'track_missing_genre', t.TrackId
  FROM Track t LEFT JOIN Genre g ON g.GenreId = t.GenreId
  WHERE g.GenreId IS NULL;

  INSERT INTO tmp_dq_fail (check_name, k)
  SELECT 'album_missing_artist', a.AlbumId
  FROM Album a LEFT JOIN Artist ar ON ar.ArtistId = a.ArtistId
  WHERE ar.ArtistId IS NULL;

  INSERT INTO tmp_dq_fail (check_name, k)
  SELECT 'customer_missing_support_rep', c.CustomerId
  FROM Customer c LEFT JOIN Employee e ON e.EmployeeId = c.SupportRepId
  WHERE c.SupportRepId IS NOT NULL AND e.EmployeeId IS NULL;

  IF NOT v_incremental THEN
    INSERT INTO tmp_dq_fail (check_name, k)
    SELECT 'invoice_line_missing_invoice', il.InvoiceLineId
    FROM InvoiceLine il LEFT JOIN Invoice i ON i.InvoiceId = il.InvoiceId
    WHERE i.InvoiceId IS NULL;

    INSERT INTO tmp_dq_fail (check_name, k)
    SELECT 'invoice_line_missing_track', il.InvoiceLineId
    FROM InvoiceLine il LEFT JOIN Track t ON t.TrackId = il.TrackId
    WHERE t.TrackId IS NULL;

    INSERT INTO tmp_dq_fail (check_name, k)
    SELECT 'invoice_missing_customer', i.InvoiceId
    FROM Invoice i LEFT JOIN Customer c ON c.CustomerId = i.CustomerId
    WHERE c.CustomerId IS NULL;

    -- Lines pre-aggregated per invoice (one pass over InvoiceLine in its stored order, grouped
    -- in memory; "+ 0" keeps the optimizer from walking the InvoiceId index with a
    -- clustered-index lookup per line), then compared with the invoices.
    INSERT INTO tmp_dq_fail (check_name, k)
    SELECT 'invoice_total_mismatch', i.InvoiceId
    FROM Invoice i
    LEFT JOIN (SELECT il.InvoiceId + 0 AS InvoiceId, SUM(il.UnitPrice * il.Quantity) AS LinesTotal
                 FROM InvoiceLine il GROUP BY il.InvoiceId + 0) l ON l.InvoiceId = i.InvoiceId
    WHERE i.Total <> COALESCE(l.LinesTotal, 0);
  ELSE
    -- The lines above the watermark and those that failed last time, each read once with its
    -- invoice and track; the invoices above it, those with such a line, and those that failed
    -- last time (a key that failed and was deleted since is simply not found).
    INSERT INTO tmp_dq_lines (k, InvoiceId, TrackId)
    SELECT InvoiceLineId, InvoiceId, TrackId FROM InvoiceLine
     WHERE InvoiceLineId > v_wm_line AND InvoiceLineId <= v_max_line;
    INSERT IGNORE INTO tmp_dq_lines (k, InvoiceId, TrackId)
    SELECT STRAIGHT_JOIN il.InvoiceLineId, il.InvoiceId, il.TrackId
      FROM dq_check_failing f JOIN InvoiceLine il ON il.InvoiceLineId = f.k
     WHERE f.check_name IN ('invoice_line_missing_invoice', 'invoice_line_missing_track');
    INSERT INTO tmp_dq_invoices (k)
    SELECT InvoiceId FROM Invoice WHERE InvoiceId > v_wm_inv AND InvoiceId <= v_max_inv;
    INSERT IGNORE INTO tmp_dq_invoices (k) SELECT InvoiceId FROM tmp_dq_lines;
    INSERT IGNORE INTO tmp_dq_invoices (k)
    SELECT k FROM dq_check_failing
     WHERE check_name IN ('invoice_missing_customer', 'invoice_total_mismatch');

    INSERT INTO tmp_dq_fail (check_name, k)
    SELECT STRAIGHT_JOIN 'invoice_line_missing_invoice', c.k
    FROM tmp_dq_lines c
    LEFT JOIN Invoice i ON i.InvoiceId = c.InvoiceId
    WHERE i.InvoiceId IS NULL;

    INSERT INTO tmp_dq_fail (check_name, k)
    SELECT STRAIGHT_JOIN 'invoice_line_missing_track', c.k
    FROM tmp_dq_lines c
    LEFT JOIN Track t ON t.TrackId = c.TrackId
    WHERE t.TrackId IS NULL;

    INSERT INTO tmp_dq_fail (check_name, k)
    SELECT STRAIGHT_JOIN 'invoice_missing_customer', i.InvoiceId
    FROM tmp_dq_invoices c
    JOIN Invoice i ON i.InvoiceId = c.k
    LEFT JOIN Customer cu ON cu.CustomerId = i.CustomerId
    WHERE cu.CustomerId IS NULL;

    -- The candidates' lines through the InvoiceId index.
    INSERT INTO tmp_dq_fail (check_name, k)
    SELECT 'invoice_total_mismatch', i.InvoiceId
    FROM tmp_dq_invoices c
    JOIN Invoice i ON i.InvoiceId = c.k
    WHERE i.Total <> COALESCE((SELECT SUM(il.UnitPrice * il.Quantity) FROM InvoiceLine il
                                WHERE il.InvoiceId = i.InvoiceId), 0);
  END IF;

  INSERT INTO dq_check_log (run_id, check_name, failing_rows, sample_keys, checked_at)
  SELECT v_run, c.check_name, COUNT(f.k),
         SUBSTRING_INDEX(GROUP_CONCAT(f.k ORDER BY f.k SEPARATOR ','), ',', 10), v_now
  FROM (SELECT 'album_title_multiple_artists' AS check_name
        UNION ALL SELECT 'track_missing_album'
        UNION ALL SELECT 'track_missing_media_type'
        UNION ALL SELECT 'track_missing_genre'
        UNION ALL SELECT 'album_missing_artist'
        UNION ALL SELECT 'invoice_line_missing_invoice'
        UNION ALL SELECT 'invoice_line_missing_track'
        UNION ALL SELECT 'invoice_missing_customer'
        UNION ALL SELECT 'customer_missing_support_rep'
        UNION ALL SELECT 'invoice_total_mismatch') c
  LEFT JOIN tmp_dq_fail f ON f.check_name = c.check_name
  GROUP BY c.check_name;

  -- Every key that fails now was a candidate, so tmp_dq_fail holds the complete set.
  DELETE FROM dq_check_failing;
  INSERT INTO dq_check_failing (check_name, k)
  SELECT check_name, k FROM tmp_dq_fail
   WHERE check_name IN ('invoice_line_missing_invoice', 'invoice_line_missing_track',
                        'invoice_missing_customer', 'invoice_total_mismatch');
  UPDATE dq_check_state
     SET LastInvoiceId = v_max_inv, LastLineId = v_max_line, UpdatedAt = v_now
   WHERE id = 1;
  COMMIT;

  DROP TEMPORARY TABLE IF EXISTS tmp_dq_fail, tmp_dq_lines, tmp_dq_invoices;
  SET SESSION group_concat_max_len = v_saved_gcml;
  SET SESSION tmp_table_size = v_saved_tmp;
  SET SESSION max_heap_table_size = v_saved_heap;
END$$

CREATE PROCEDURE dq_checks(IN p_run_id BIGINT)
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
  COMMENT 'Data-quality checks into dq_check_log (sqlcron Chinook pack)'
BEGIN
  CALL dq_checks_run(p_run_id, FALSE);
END$$

CREATE PROCEDURE dq_checks_incremental(IN p_run_id BIGINT)
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
  COMMENT 'Data-quality checks of what changed into dq_check_log (sqlcron Chinook pack)'
BEGIN
  CALL dq_checks_run(p_run_id, TRUE);
END$$
DELIMITER ;
