-- customer_value(p_as_of DATETIME)
--
-- Rebuilds table customer_value from customer_rfm (refreshed for the same p_as_of, otherwise
-- SQLSTATE 45000): one row per customer of customer_rfm with recency_days, frequency, monetary,
-- first_invoice_at, last_invoice_at and
--   tenure_days       = DATEDIFF(last invoice date, first invoice date) + 1
--   typical_gap_days  = ROUND(tenure_days / GREATEST(frequency - 1, 1), 2)
--   churn_probability = ROUND(LEAST(1, recency_days / (3 * tenure_days / GREATEST(frequency - 1, 1))), 4)
--                       (computed as recency_days * GREATEST(frequency - 1, 1) / (3 * tenure_days):
--                       one exact division, no rounded intermediate)
--   churn_band        = 'low' (churn_probability < 0.34), 'medium' (< 0.67), else 'high'
--   avg_order_value   = ROUND(monetary / frequency, 2)
--   orders_per_year   = ROUND(frequency * 365.25 / GREATEST(tenure_days, 30), 4)
--   historic_ltv      = monetary
--   predicted_ltv_3y  = ROUND(avg_order_value * orders_per_year * 3 * (1 - churn_probability), 2)
--                       with the unrounded avg_order_value and orders_per_year, i.e.
--                       monetary * 1095.75 * (1 - churn_probability) / GREATEST(tenure_days, 30)
--   as_of = p_as_of.
-- NULL p_as_of = NOW(). Atomic swap through customer_value_new; serialised by a named lock.

DROP PROCEDURE IF EXISTS customer_value;

DELIMITER $$
CREATE PROCEDURE customer_value(IN p_as_of DATETIME)
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
  COMMENT 'Atomically rebuild customer_value (sqlcron analytics pack)'
BEGIN
  DECLARE v_as_of DATETIME DEFAULT COALESCE(p_as_of, NOW());
  DECLARE v_lock VARCHAR(64) DEFAULT CONCAT(LEFT(DATABASE(), 40), '.customer_value');
  DECLARE v_locked BOOLEAN DEFAULT FALSE;

  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    IF v_locked THEN
      DROP TABLE IF EXISTS customer_value_new;
      DO RELEASE_LOCK(v_lock);
    END IF;
    RESIGNAL;
  END;

  IF DATABASE() IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'customer_value: no default schema selected';
  END IF;
  IF COALESCE(GET_LOCK(v_lock, 0), 0) <> 1 THEN
    SIGNAL SQLSTATE '45000'
      SET MESSAGE_TEXT = 'customer_value: another refresh is running in this schema';
  END IF;
  SET v_locked = TRUE;
  IF NOT EXISTS (SELECT 1 FROM analytics_watermark WHERE Name = 'customer_rfm' AND AsOf = v_as_of)
  THEN
    SIGNAL SQLSTATE '45000'
      SET MESSAGE_TEXT = 'customer_value: customer_rfm is not as of p_as_of; refresh it first';
  END IF;

  DROP TABLE IF EXISTS customer_value_new;
  DROP TABLE IF EXISTS customer_value_old;
  CREATE TABLE customer_value_new (
    CustomerId         INT           NOT NULL,
    first_invoice_at   DATETIME      NOT NULL,
    last_invoice_at    DATETIME      NOT NULL,
    recency_days       INT           NOT NULL,
    frequency          INT           NOT NULL,
    monetary           DECIMAL(14,2) NOT NULL,
    tenure_days        INT           NOT NULL,
    typical_gap_days   DECIMAL(12,2) NOT NULL,
    churn_probability  DECIMAL(5,4)  NOT NULL,
    churn_band         VARCHAR(6)    NOT NULL,
    avg_order_value    DECIMAL(14,2) NOT NULL,
    orders_per_year    DECIMAL(12,4) NOT NULL,
    historic_ltv       DECIMAL(14,2) NOT NULL,
    predicted_ltv_3y   DECIMAL(14,2) NOT NULL,
    as_of              DATETIME      NOT NULL,
    PRIMARY KEY (CustomerId),
    KEY ix_customer_value_band (churn_band)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

  INSERT INTO customer_value_new
  SELECT c.CustomerId, c.first_invoice_at, c.last_invoice_at, c.recency_days, c.frequency,
         c.monetary, c.tenure_days, ROUND(c.tenure_days / c.gaps, 2), c.churn,
         CASE WHEN c.churn < 0.34 THEN 'low' WHEN c.churn < 0.67 THEN 'medium' ELSE 'high' END,
         ROUND(c.monetary / c.frequency, 2),
         ROUND(c.frequency * 365.25 / GREATEST(c.tenure_days, 30), 4),
         c.monetary,
         ROUND(c.monetary * 1095.75 * (1 - c.churn) / GREATEST(c.tenure_days, 30), 2),
         v_as_of
    FROM (SELECT t.*,
                 ROUND(LEAST(1, t.recency_days * t.gaps / (3 * t.tenure_days)), 4) AS churn
            FROM (SELECT r.CustomerId, r.first_invoice_at, r.last_invoice_at, r.recency_days,
                         r.frequency, r.monetary,
                         DATEDIFF(r.last_invoice_at, r.first_invoice_at) + 1 AS tenure_days,
                         GREATEST(r.frequency - 1, 1) AS gaps
                    FROM customer_rfm r) t) c
   ORDER BY c.CustomerId;

  CREATE TABLE IF NOT EXISTS customer_value LIKE customer_value_new;
  RENAME TABLE customer_value TO customer_value_old, customer_value_new TO customer_value;
  DROP TABLE customer_value_old;
  INSERT INTO analytics_watermark (Name, LastId, LastId2, AsOf, UpdatedAt)
  VALUES ('customer_value', 0, 0, v_as_of, NOW(6))
  ON DUPLICATE KEY UPDATE AsOf = v_as_of, UpdatedAt = NOW(6);
  DO RELEASE_LOCK(v_lock);
END$$
DELIMITER ;
