-- campaign_targets(p_as_of DATETIME)
--
-- Rebuilds table campaign_targets from customer_rfm and customer_value (both refreshed for the
-- same p_as_of, otherwise SQLSTATE 45000): one row per customer of customer_rfm: segment,
-- campaign (champions vip_reward, loyal upsell, new onboarding, at_risk win_back, lost
-- reactivation, needs_attention nurture), priority_score = 0.4 * m_score / 5 +
-- 0.3 * churn_probability + 0.3 * f_score / 5 (exact: 0.08 * M + 0.06 * F + 0.3 * churn),
-- campaign_rank = 1, 2, ... within the campaign by priority_score descending, ties by
-- CustomerId ascending; as_of = p_as_of.
-- NULL p_as_of = NOW(). Atomic swap through campaign_targets_new; serialised by a named lock.

DROP PROCEDURE IF EXISTS campaign_targets;

DELIMITER $$
CREATE PROCEDURE campaign_targets(IN p_as_of DATETIME)
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
  COMMENT 'Atomically rebuild campaign_targets (sqlcron analytics pack)'
BEGIN
  DECLARE v_as_of DATETIME DEFAULT COALESCE(p_as_of, NOW());
  DECLARE v_lock VARCHAR(64) DEFAULT CONCAT(LEFT(DATABASE(), 40), '.campaign_targets');
  DECLARE v_locked BOOLEAN DEFAULT FALSE;

  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    IF v_locked THEN
      DROP TABLE IF EXISTS campaign_targets_new;
      DO RELEASE_LOCK(v_lock);
    END IF;
    RESIGNAL;
  END;

  IF DATABASE() IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'campaign_targets: no default schema selected';
  END IF;
  IF COALESCE(GET_LOCK(v_lock, 0), 0) <> 1 THEN
    SIGNAL SQLSTATE '45000'
      SET MESSAGE_TEXT = 'campaign_targets: another refresh is running in this schema';
  END IF;
  SET v_locked = TRUE;
  IF (SELECT COUNT(*) FROM analytics_watermark
       WHERE Name IN ('customer_rfm', 'customer_value') AND AsOf = v_as_of) <> 2 THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
      'campaign_targets: customer_rfm or customer_value is not as of p_as_of; refresh them first';
  END IF;

  DROP TABLE IF EXISTS campaign_targets_new;
  DROP TABLE IF EXISTS campaign_targets_old;
  CREATE TABLE campaign_targets_new (
    CustomerId      INT          NOT NULL,
    segment         VARCHAR(16)  NOT NULL,
    campaign        VARCHAR(16)  NOT NULL,
    priority_score  DECIMAL(7,5) NOT NULL,
    campaign_rank   INT          NOT NULL,
    as_of           DATETIME     NOT NULL,
    PRIMARY KEY (CustomerId),
    UNIQUE KEY ux_campaign_targets_rank (campaign, campaign_rank)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

  INSERT INTO campaign_targets_new
  SELECT p.CustomerId, p.segment, p.campaign, p.score,
         ROW_NUMBER() OVER (PARTITION BY p.campaign ORDER BY p.score DESC, p.CustomerId),
         v_as_of
    FROM (SELECT r.CustomerId, r.segment,
                 CASE r.segment WHEN 'champions' THEN 'vip_reward' WHEN 'loyal' THEN 'upsell'
                                WHEN 'new' THEN 'onboarding' WHEN 'at_risk' THEN 'win_back'
                                WHEN 'lost' THEN 'reactivation' ELSE 'nurture' END AS campaign,
                 0.08 * r.m_score + 0.06 * r.f_score + 0.3 * v.churn_probability AS score
            FROM customer_rfm r
            JOIN customer_value v ON v.CustomerId = r.CustomerId) p
   ORDER BY p.CustomerId;

  CREATE TABLE IF NOT EXISTS campaign_targets LIKE campaign_targets_new;
  RENAME TABLE campaign_targets TO campaign_targets_old, campaign_targets_new TO campaign_targets;
  DROP TABLE campaign_targets_old;
  INSERT INTO analytics_watermark (Name, LastId, LastId2, AsOf, UpdatedAt)
  VALUES ('campaign_targets', 0, 0, v_as_of, NOW(6))
  ON DUPLICATE KEY UPDATE AsOf = v_as_of, UpdatedAt = NOW(6);
  DO RELEASE_LOCK(v_lock);
END$$
DELIMITER ;
