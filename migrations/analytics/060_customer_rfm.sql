-- customer_rfm(p_as_of DATETIME)
--
-- Rebuilds table customer_rfm from fact_customer, the per-customer totals of fact_customer_month
-- (which must have been refreshed for the same p_as_of: otherwise SQLSTATE 45000): one row per
-- customer with an invoice dated on or before p_as_of:
--   first_invoice_at, last_invoice_at; recency_days = DATEDIFF(p_as_of, last invoice date);
--   frequency = invoices; monetary = sum of Invoice.Total;
--   r_score = NTILE(5) OVER (ORDER BY recency_days DESC, CustomerId)  (the most recent get 5),
--   f_score = NTILE(5) OVER (ORDER BY frequency, CustomerId),
--   m_score = NTILE(5) OVER (ORDER BY monetary, CustomerId);
--   rfm_cell = the three scores as text ('545'); segment, the first rule that matches:
--   champions R>=4 and F>=4 and M>=4; loyal F>=4; new R>=4 and F<=2; at_risk R<=2 and F>=3;
--   lost R<=2 and F<=2; else needs_attention; as_of = p_as_of.
-- NULL p_as_of = NOW(). Atomic swap through customer_rfm_new; serialised by a named lock.

DROP PROCEDURE IF EXISTS customer_rfm;

DELIMITER $$
CREATE PROCEDURE customer_rfm(IN p_as_of DATETIME)
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
  COMMENT 'Atomically rebuild customer_rfm (sqlcron analytics pack)'
BEGIN
  DECLARE v_as_of DATETIME DEFAULT COALESCE(p_as_of, NOW());
  DECLARE v_lock VARCHAR(64) DEFAULT CONCAT(LEFT(DATABASE(), 40), '.customer_rfm');
  DECLARE v_locked BOOLEAN DEFAULT FALSE;

  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    IF v_locked THEN
      DROP TABLE IF EXISTS customer_rfm_new;
      DO RELEASE_LOCK(v_lock);
    END IF;
    RESIGNAL;
  END;

  IF DATABASE() IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'customer_rfm: no default schema selected';
  END IF;
  IF COALESCE(GET_LOCK(v_lock, 0), 0) <> 1 THEN
    SIGNAL SQLSTATE '45000'
      SET MESSAGE_TEXT = 'customer_rfm: another refresh is running in this schema';
  END IF;
  SET v_locked = TRUE;
  IF NOT EXISTS (SELECT 1 FROM analytics_watermark
                  WHERE Name = 'fact_customer_month' AND AsOf = v_as_of) THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
      'customer_rfm: fact_customer_month is not as of p_as_of; refresh it first';
  END IF;

  DROP TABLE IF EXISTS customer_rfm_new;
  DROP TABLE IF EXISTS customer_rfm_old;
  CREATE TABLE customer_rfm_new (
    CustomerId        INT           NOT NULL,
    first_invoice_at  DATETIME      NOT NULL,
    last_invoice_at   DATETIME      NOT NULL,
    recency_days      INT           NOT NULL,
    frequency         INT           NOT NULL,
    monetary          DECIMAL(14,2) NOT NULL,
    r_score           TINYINT       NOT NULL,
    f_score           TINYINT       NOT NULL,
    m_score           TINYINT       NOT NULL,
    rfm_cell          CHAR(3)       NOT NULL,
    segment           VARCHAR(16)   NOT NULL,
    as_of             DATETIME      NOT NULL,
    PRIMARY KEY (CustomerId),
    KEY ix_customer_rfm_segment (segment)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

  INSERT INTO customer_rfm_new
  SELECT s.CustomerId, s.first_at, s.last_at, s.recency_days, s.frequency, s.monetary,
         s.r, s.f, s.m, CONCAT(s.r, s.f, s.m),
         CASE WHEN s.r >= 4 AND s.f >= 4 AND s.m >= 4 THEN 'champions'
              WHEN s.f >= 4 THEN 'loyal'
              WHEN s.r >= 4 AND s.f <= 2 THEN 'new'
              WHEN s.r <= 2 AND s.f >= 3 THEN 'at_risk'
              WHEN s.r <= 2 AND s.f <= 2 THEN 'lost'
              ELSE 'needs_attention' END,
         v_as_of
    FROM (SELECT b.*,
                 NTILE(5) OVER (ORDER BY b.recency_days DESC, b.CustomerId) AS r,
                 NTILE(5) OVER (ORDER BY b.frequency, b.CustomerId) AS f,
                 NTILE(5) OVER (ORDER BY b.monetary, b.CustomerId) AS m
            FROM (SELECT CustomerId, first_invoice_at AS first_at, last_invoice_at AS last_at,
                         DATEDIFF(v_as_of, last_invoice_at) AS recency_days,
                         orders AS frequency, revenue AS monetary
                    FROM fact_customer) b) s
   ORDER BY s.CustomerId;

  CREATE TABLE IF NOT EXISTS customer_rfm LIKE customer_rfm_new;
  RENAME TABLE customer_rfm TO customer_rfm_old, customer_rfm_new TO customer_rfm;
  DROP TABLE customer_rfm_old;
  INSERT INTO analytics_watermark (Name, LastId, LastId2, AsOf, UpdatedAt)
  VALUES ('customer_rfm', 0, 0, v_as_of, NOW(6))
  ON DUPLICATE KEY UPDATE AsOf = v_as_of, UpdatedAt = NOW(6);
  DO RELEASE_LOCK(v_lock);
END$$
DELIMITER ;
