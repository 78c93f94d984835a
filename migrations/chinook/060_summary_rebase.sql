-- sqlcron: repeatable
-- The full refreshes of customer_summary and product_summary_etl together with the nightly
-- path's state, so that a full refresh - scheduled by hand, weekly, or the nightly path's own
-- fallback - and the incremental runs after it count every line exactly once.
--
-- customer_summary_rebase(p_as_of DATETIME, p_churn_days INT)
-- product_summary_etl_rebase()
--   1. delete the table's row of etl_summary_state and commit: from here until step 4 commits,
--      an interrupted refresh (a KILL at its timeout, a crash) leaves no state, so the next
--      incremental run refreshes in full instead of adding to rows it cannot trust;
--   2. read the highest InvoiceLineId, then InvoiceId (a line's invoice is committed no later
--      than the line), and for product_summary_etl the playlists' fingerprint;
--   3. the full refresh bounded by those ids (customer_summary_run, product_summary_etl_run:
--      build, then one RENAME TABLE swap);
--   4. in one transaction: the state (those ids, p_as_of, p_churn_days, the fingerprint) and,
--      for customer_summary, etl_pending (invoices up to that id dated after p_as_of).
-- customer_summary(...) and product_summary_etl() are these procedures; the incremental
-- procedures call them when they cannot go on from their state. One refresh of a table at a time
-- (the named lock of its refreshes; a concurrent call fails at once with SQLSTATE 45000).
--
-- product_summary_fingerprint(OUT p_print BIGINT)
--   The playlists' fingerprint: the XOR of a 60-bit slice of the MD5 of every (playlist, track,
--   playlist name) row (the rows are distinct: PlaylistTrack's key). Not a CRC: CRCs are linear,
--   so their XOR misses e.g. two playlists swapping names of equal length.

DROP PROCEDURE IF EXISTS customer_summary_rebase;
DROP PROCEDURE IF EXISTS product_summary_etl_rebase;
DROP PROCEDURE IF EXISTS product_summary_fingerprint;

DELIMITER $$
CREATE PROCEDURE product_summary_fingerprint(OUT p_print BIGINT)
  READS SQL DATA
  SQL SECURITY INVOKER
  COMMENT 'Fingerprint of the playlists (sqlcron Chinook pack)'
BEGIN
  SELECT COALESCE(BIT_XOR(CAST(CONV(LEFT(MD5(CONCAT_WS(',', pt.PlaylistId, pt.TrackId,
                                                          HEX(p.Name))), 15), 16, 10)
                               AS SIGNED)), 0)
    INTO p_print
    FROM PlaylistTrack pt LEFT JOIN Playlist p ON p.PlaylistId = pt.PlaylistId;
END$$

CREATE PROCEDURE customer_summary_rebase(IN p_as_of DATETIME, IN p_churn_days INT)
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
  COMMENT 'Rebuild customer_summary and the nightly path state (sqlcron Chinook pack)'
BEGIN
  DECLARE v_as_of DATETIME DEFAULT COALESCE(p_as_of, NOW());
  DECLARE v_churn INT DEFAULT COALESCE(p_churn_days, 180);
  DECLARE v_max_inv BIGINT;
  DECLARE v_max_line BIGINT;
  DECLARE v_lock VARCHAR(64) DEFAULT CONCAT(LEFT(DATABASE(), 40), '.customer_summary');
  DECLARE v_locked BOOLEAN DEFAULT FALSE;

  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    ROLLBACK;
    IF v_locked THEN
      DO RELEASE_LOCK(v_lock);
    END IF;
    RESIGNAL;
  END;

  IF DATABASE() IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'customer_summary: no default schema selected';
  END IF;
  IF v_churn < 0 THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'customer_summary: p_churn_days must be >= 0';
  END IF;
  IF COALESCE(GET_LOCK(v_lock, 0), 0) <> 1 THEN
    SIGNAL SQLSTATE '45000'
      SET MESSAGE_TEXT = 'customer_summary: another refresh is running in this schema';
  END IF;
  SET v_locked = TRUE;

  COMMIT;  -- SET TRANSACTION fails inside an open transaction (autocommit=0)
  SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
  START TRANSACTION;
  DELETE FROM etl_summary_state WHERE Name = 'customer_summary';
  COMMIT;
  SELECT COALESCE(MAX(InvoiceLineId), 0) INTO v_max_line FROM InvoiceLine;
  SELECT COALESCE(MAX(InvoiceId), 0) INTO v_max_inv FROM Invoice;
  CALL customer_summary_run(v_as_of, v_churn, v_max_inv, v_max_line);

  COMMIT;  -- SET TRANSACTION fails inside an open transaction (autocommit=0)
  SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
  START TRANSACTION;
  DELETE FROM etl_pending WHERE Name = 'customer_summary';
  INSERT INTO etl_pending (Name, Id)
  SELECT 'customer_summary', InvoiceId FROM Invoice
   WHERE InvoiceId <= v_max_inv AND InvoiceDate > v_as_of;
  INSERT INTO etl_summary_state (Name, LastInvoiceId, LastLineId, AsOf, ChurnDays, UpdatedAt)
  VALUES ('customer_summary', v_max_inv, v_max_line, v_as_of, v_churn, NOW(6));
  COMMIT;
  DO RELEASE_LOCK(v_lock);
END$$

CREATE PROCEDURE product_summary_etl_rebase()
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
  COMMENT 'Rebuild product_summary_etl and the nightly path state (sqlcron Chinook pack)'
BEGIN
  DECLARE v_max_line BIGINT;
  DECLARE v_print BIGINT;
  DECLARE v_lock VARCHAR(64) DEFAULT CONCAT(LEFT(DATABASE(), 40), '.product_summary_etl');
  DECLARE v_locked BOOLEAN DEFAULT FALSE;

  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    ROLLBACK;
    IF v_locked THEN
      DO RELEASE_LOCK(v_lock);
    END IF;
    RESIGNAL;
  END;

  IF DATABASE() IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'product_summary_etl: no default schema selected';
  END IF;
  IF COALESCE(GET_LOCK(v_lock, 0), 0) <> 1 THEN
    SIGNAL SQLSTATE '45000'
      SET MESSAGE_TEXT = 'product_summary_etl: another refresh is running in this schema';
  END IF;
  SET v_locked = TRUE;

  COMMIT;  -- SET TRANSACTION fails inside an open transaction (autocommit=0)
  SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
  START TRANSACTION;
  DELETE FROM etl_summary_state WHERE Name = 'product_summary_etl';
  COMMIT;
  SELECT COALESCE(MAX(InvoiceLineId), 0) INTO v_max_line FROM InvoiceLine;
  CALL product_summary_fingerprint(v_print);
  CALL product_summary_etl_run(v_max_line);

  COMMIT;  -- SET TRANSACTION fails inside an open transaction (autocommit=0)
  SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
  START TRANSACTION;
  INSERT INTO etl_summary_state (Name, LastInvoiceId, LastLineId, AsOf, ChurnDays, Fingerprint,
                                 UpdatedAt)
  VALUES ('product_summary_etl', 0, v_max_line, NULL, NULL, v_print, NOW(6));
  COMMIT;
  DO RELEASE_LOCK(v_lock);
END$$
DELIMITER ;
