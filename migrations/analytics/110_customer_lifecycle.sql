-- customer_lifecycle(p_as_of DATETIME)
--
-- Rebuilds table customer_lifecycle from customer_value (refreshed for the same p_as_of,
-- otherwise SQLSTATE 45000) and its own previous contents: one row per customer of
-- customer_value: stage = 'new' (first invoice at or after p_as_of - INTERVAL 90 DAY), else
-- 'active' (churn band low), 'at_risk' (medium) or 'churned' (high); previous_stage (the stage
-- before the last change; NULL if none seen); stage_since = the p_as_of of the refresh that
-- set the current stage (kept while the stage stays the same; a customer seen for the first
-- time starts at this p_as_of); days_in_stage = GREATEST(DATEDIFF(p_as_of, stage_since), 0);
-- as_of = p_as_of. Re-running the same p_as_of changes nothing.
-- NULL p_as_of = NOW(). Atomic swap through customer_lifecycle_new; serialised by a named lock.

CREATE TABLE IF NOT EXISTS customer_lifecycle (
  CustomerId      INT          NOT NULL,
  stage           VARCHAR(8)   NOT NULL,
  previous_stage  VARCHAR(8)   NULL,
  stage_since     DATETIME     NOT NULL,
  days_in_stage   INT          NOT NULL,
  as_of           DATETIME     NOT NULL,
  PRIMARY KEY (CustomerId),
  KEY ix_customer_lifecycle_stage (stage)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

DROP PROCEDURE IF EXISTS customer_lifecycle;

DELIMITER $$
CREATE PROCEDURE customer_lifecycle(IN p_as_of DATETIME)
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
  COMMENT 'Atomically rebuild customer_lifecycle (sqlcron analytics pack)'
BEGIN
  DECLARE v_as_of DATETIME DEFAULT COALESCE(p_as_of, NOW());
  DECLARE v_lock VARCHAR(64) DEFAULT CONCAT(LEFT(DATABASE(), 40), '.customer_lifecycle');
  DECLARE v_locked BOOLEAN DEFAULT FALSE;

  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    IF v_locked THEN
      DROP TABLE IF EXISTS customer_lifecycle_new;
      DO RELEASE_LOCK(v_lock);
    END IF;
    RESIGNAL;
  END;

  IF DATABASE() IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'customer_lifecycle: no default schema selected';
  END IF;
  IF COALESCE(GET_LOCK(v_lock, 0), 0) <> 1 THEN
    SIGNAL SQLSTATE '45000'
      SET MESSAGE_TEXT = 'customer_lifecycle: another refresh is running in this schema';
  END IF;
  SET v_locked = TRUE;
  IF NOT EXISTS (SELECT 1 FROM analytics_watermark
                  WHERE Name = 'customer_value' AND AsOf = v_as_of) THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
      'customer_lifecycle: customer_value is not as of p_as_of; refresh it first';
  END IF;

  DROP TABLE IF EXISTS customer_lifecycle_new;
  DROP TABLE IF EXISTS customer_lifecycle_old;
  CREATE TABLE customer_lifecycle_new LIKE customer_lifecycle;

  INSERT INTO customer_lifecycle_new
  SELECT n.CustomerId, n.stage,
         CASE WHEN o.stage = n.stage THEN o.previous_stage ELSE o.stage END,
         CASE WHEN o.stage = n.stage THEN o.stage_since ELSE v_as_of END,
         GREATEST(DATEDIFF(v_as_of, CASE WHEN o.stage = n.stage THEN o.stage_since
                                         ELSE v_as_of END), 0),
         v_as_of
    FROM (SELECT v.CustomerId,
                 CASE WHEN v.first_invoice_at >= v_as_of - INTERVAL 90 DAY THEN 'new'
                      WHEN v.churn_band = 'low' THEN 'active'
                      WHEN v.churn_band = 'medium' THEN 'at_risk'
                      ELSE 'churned' END AS stage
            FROM customer_value v) n
    LEFT JOIN customer_lifecycle o ON o.CustomerId = n.CustomerId
   ORDER BY n.CustomerId;

  RENAME TABLE customer_lifecycle TO customer_lifecycle_old,
               customer_lifecycle_new TO customer_lifecycle;
  DROP TABLE customer_lifecycle_old;
  INSERT INTO analytics_watermark (Name, LastId, LastId2, AsOf, UpdatedAt)
  VALUES ('customer_lifecycle', 0, 0, v_as_of, NOW(6))
  ON DUPLICATE KEY UPDATE AsOf = v_as_of, UpdatedAt = NOW(6);
  DO RELEASE_LOCK(v_lock);
END$$
DELIMITER ;
