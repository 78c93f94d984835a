-- sqlcron: repeatable
-- dim_customer(p_as_of DATETIME)
--
-- Maintains table dim_customer, a type 2 slowly changing dimension of Customer: one row per
-- version of a customer, with surrogate key customer_key, CustomerId, the tracked attributes
-- FirstName, LastName, Company, City, State, Country, PostalCode, Email, SupportRepId,
-- valid_from, valid_to (NULL while current; exclusive) and is_current.
--  - A customer seen for the first time gets a version valid from '1970-01-01'.
--  - A customer whose tracked attributes differ from its current version (byte for byte, NULL
--    equal to NULL) gets the current version closed at p_as_of (valid_to = p_as_of,
--    is_current = 0) and a new version valid from p_as_of.
--  - A customer no longer in Customer gets its current version closed at p_as_of, and a new
--    version from p_as_of should it come back.
--  - A change is recorded only when p_as_of is after the current version's valid_from: a refresh
--    for an earlier slot (a backfill) leaves it to the next later one.
-- Re-running a refresh for the same p_as_of changes nothing. NULL p_as_of = NOW().
-- All changes of one call are one transaction; serialised by a named lock (a second concurrent
-- call fails at once with SQLSTATE 45000).

CREATE TABLE IF NOT EXISTS dim_customer (
  customer_key  INT          NOT NULL AUTO_INCREMENT,
  CustomerId    INT          NOT NULL,
  FirstName     VARCHAR(40)  NOT NULL,
  LastName      VARCHAR(20)  NOT NULL,
  Company       VARCHAR(80)  NULL,
  City          VARCHAR(40)  NULL,
  State         VARCHAR(40)  NULL,
  Country       VARCHAR(40)  NULL,
  PostalCode    VARCHAR(10)  NULL,
  Email         VARCHAR(60)  NOT NULL,
  SupportRepId  INT          NULL,
  valid_from    DATETIME     NOT NULL,
  valid_to      DATETIME     NULL,
  is_current    TINYINT      NOT NULL,
  PRIMARY KEY (customer_key),
  UNIQUE KEY ux_dim_customer_version (CustomerId, valid_from),
  KEY ix_dim_customer_current (is_current, CustomerId)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

DROP PROCEDURE IF EXISTS dim_customer;

DELIMITER $$
CREATE PROCEDURE dim_customer(IN p_as_of DATETIME)
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
  COMMENT 'Maintain the SCD type 2 dimension dim_customer (sqlcron analytics pack)'
BEGIN
  DECLARE v_as_of DATETIME DEFAULT COALESCE(p_as_of, NOW());
  DECLARE v_lock VARCHAR(64) DEFAULT CONCAT(LEFT(DATABASE(), 40), '.dim_customer');
  DECLARE v_locked BOOLEAN DEFAULT FALSE;

  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    ROLLBACK;
    DROP TEMPORARY TABLE IF EXISTS dim_customer_changed;
    IF v_locked THEN
      DO RELEASE_LOCK(v_lock);
    END IF;
    RESIGNAL;
  END;

  IF DATABASE() IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'dim_customer: no default schema selected';
  END IF;
  IF COALESCE(GET_LOCK(v_lock, 0), 0) <> 1 THEN
    SIGNAL SQLSTATE '45000'
      SET MESSAGE_TEXT = 'dim_customer: another refresh is running in this schema';
  END IF;
  SET v_locked = TRUE;

  SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
  DROP TEMPORARY TABLE IF EXISTS dim_customer_changed;
  CREATE TEMPORARY TABLE dim_customer_changed (
    customer_key INT NOT NULL,
    PRIMARY KEY (customer_key)
  ) ENGINE=MEMORY;

  START TRANSACTION;
  -- Current versions that differ from Customer, or whose customer is gone. CAST AS BINARY: a
  -- change of letter case or of trailing spaces is a change (the collations would hide it).
  INSERT INTO dim_customer_changed (customer_key)
  SELECT d.customer_key
    FROM dim_customer d
    LEFT JOIN Customer c ON c.CustomerId = d.CustomerId
   WHERE d.is_current = 1 AND d.valid_from < v_as_of
     AND (c.CustomerId IS NULL
          OR NOT (CAST(c.FirstName AS BINARY) <=> CAST(d.FirstName AS BINARY))
          OR NOT (CAST(c.LastName AS BINARY) <=> CAST(d.LastName AS BINARY))
          OR NOT (CAST(c.Company AS BINARY) <=> CAST(d.Company AS BINARY))
          OR NOT (CAST(c.City AS BINARY) <=> CAST(d.City AS BINARY))
          OR NOT (CAST(c.State AS BINARY) <=> CAST(d.State AS BINARY))
          OR NOT (CAST(c.Country AS BINARY) <=> CAST(d.Country AS BINARY))
          OR NOT (CAST(c.PostalCode AS BINARY) <=> CAST(d.PostalCode AS BINARY))
          OR NOT (CAST(c.Email AS BINARY) <=> CAST(d.Email AS BINARY))
          OR NOT (c.SupportRepId <=> d.SupportRepId));

  UPDATE dim_customer d
    JOIN dim_customer_changed x ON x.customer_key = d.customer_key
     SET d.valid_to = v_as_of, d.is_current = 0;

  -- New versions: customers without a current version. Never seen before: from 1970-01-01;
  -- changed, or back after being gone: from p_as_of (unless a version already starts there).
  INSERT INTO dim_customer
    (CustomerId, FirstName, LastName, Company, City, State, Country, PostalCode, Email,
     SupportRepId, valid_from, valid_to, is_current)
  SELECT c.CustomerId, c.FirstName, c.LastName, c.Company, c.City, c.State, c.Country,
         c.PostalCode, c.Email, c.SupportRepId,
         CASE WHEN h.CustomerId IS NULL THEN '1970-01-01 00:00:00' ELSE v_as_of END,
         NULL, 1
    FROM Customer c
    LEFT JOIN (SELECT CustomerId, MAX(is_current) AS has_current, MAX(valid_from) AS last_from
                 FROM dim_customer GROUP BY CustomerId) h ON h.CustomerId = c.CustomerId
   WHERE h.CustomerId IS NULL OR (h.has_current = 0 AND h.last_from < v_as_of)
   ORDER BY c.CustomerId;
  COMMIT;

  DROP TEMPORARY TABLE dim_customer_changed;
  DO RELEASE_LOCK(v_lock);
END$$
DELIMITER ;
