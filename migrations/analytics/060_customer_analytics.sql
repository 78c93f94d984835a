-- sqlcron: repeatable
-- customer_analytics(p_as_of DATETIME)
--
-- Rebuilds table customer_analytics from fact_customer, the per-customer totals kept by
-- fact_customer_month (which must have been refreshed for the same p_as_of: otherwise SQLSTATE
-- 45000), and from its own previous contents (the lifecycle history): one row per customer with
-- an invoice dated on or before p_as_of, holding the columns of four views, which are the pack's
-- per-customer tables (one table written once a night instead of four):
--
-- customer_rfm: CustomerId, first_invoice_at, last_invoice_at,
--   recency_days = DATEDIFF(p_as_of, last invoice date); frequency = invoices;
--   monetary = sum of Invoice.Total;
--   r_score = NTILE(5) OVER (ORDER BY recency_days DESC, CustomerId)  (the most recent get 5),
--   f_score = NTILE(5) OVER (ORDER BY frequency, CustomerId),
--   m_score = NTILE(5) OVER (ORDER BY monetary, CustomerId);
--   rfm_cell = the three scores as text ('545'); segment, the first rule that matches:
--   champions R>=4 and F>=4 and M>=4; loyal F>=4; new R>=4 and F<=2; at_risk R<=2 and F>=3;
--   lost R<=2 and F<=2; else needs_attention; as_of = p_as_of.
-- customer_value: CustomerId, first_invoice_at, last_invoice_at, recency_days, frequency,
--   monetary and
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
-- campaign_targets: CustomerId, segment, campaign (champions vip_reward, loyal upsell, new
--   onboarding, at_risk win_back, lost reactivation, needs_attention nurture), priority_score =
--   0.4 * m_score / 5 + 0.3 * churn_probability + 0.3 * f_score / 5 (exact: 0.08 * M + 0.06 * F +
--   0.3 * churn), campaign_rank = 1, 2, ... within the campaign by priority_score descending,
--   ties by CustomerId ascending; as_of = p_as_of.
-- customer_lifecycle: CustomerId, stage = 'new' (first invoice at or after p_as_of - INTERVAL 90
--   DAY), else 'active' (churn band low), 'at_risk' (medium) or 'churned' (high); previous_stage
--   (the stage before the last change; NULL if none seen); stage_since = the p_as_of of the
--   refresh that set the current stage (kept while the stage stays the same; a customer seen for
--   the first time starts at this p_as_of); days_in_stage = GREATEST(DATEDIFF(p_as_of,
--   stage_since), 0); as_of = p_as_of. Re-running the same p_as_of changes nothing.
--
-- The four views select their columns from customer_analytics (MERGE views: a filter on a view
-- uses the table's keys). NULL p_as_of = NOW(). Atomic swap through customer_analytics_new;
-- serialised by a named lock (a second concurrent call fails at once with SQLSTATE 45000).

CREATE TABLE IF NOT EXISTS customer_analytics (
  CustomerId         INT           NOT NULL,
  first_invoice_at   DATETIME      NOT NULL,
  last_invoice_at    DATETIME      NOT NULL,
  recency_days       INT           NOT NULL,
  frequency          INT           NOT NULL,
  monetary           DECIMAL(14,2) NOT NULL,
  r_score            TINYINT       NOT NULL,
  f_score            TINYINT       NOT NULL,
  m_score            TINYINT       NOT NULL,
  rfm_cell           CHAR(3)       NOT NULL,
  segment            VARCHAR(16)   NOT NULL,
  tenure_days        INT           NOT NULL,
  typical_gap_days   DECIMAL(12,2) NOT NULL,
  churn_probability  DECIMAL(5,4)  NOT NULL,
  churn_band         VARCHAR(6)    NOT NULL,
  avg_order_value    DECIMAL(14,2) NOT NULL,
  orders_per_year    DECIMAL(12,4) NOT NULL,
  predicted_ltv_3y   DECIMAL(14,2) NOT NULL,
  campaign           VARCHAR(16)   NOT NULL,
  priority_score     DECIMAL(7,5)  NOT NULL,
  campaign_rank      INT           NOT NULL,
  stage              VARCHAR(8)    NOT NULL,
  previous_stage     VARCHAR(8)    NULL,
  stage_since        DATETIME      NOT NULL,
  days_in_stage      INT           NOT NULL,
  as_of              DATETIME      NOT NULL,
  PRIMARY KEY (CustomerId),
  KEY ix_customer_analytics_segment (segment),
  KEY ix_customer_analytics_band (churn_band),
  KEY ix_customer_analytics_rank (campaign, campaign_rank),
  KEY ix_customer_analytics_stage (stage)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- The four per-customer tables of the pack, as views (tables of that name from an earlier
-- version of the pack are dropped; DROP TABLE IF EXISTS leaves views alone).
DROP TABLE IF EXISTS customer_rfm, customer_value, campaign_targets, customer_lifecycle;
CREATE OR REPLACE ALGORITHM=MERGE SQL SECURITY INVOKER VIEW customer_rfm AS
SELECT CustomerId, first_invoice_at, last_invoice_at, recency_days, frequency, monetary,
       r_score, f_score, m_score, rfm_cell, segment, as_of
  FROM customer_analytics;
CREATE OR REPLACE ALGORITHM=MERGE SQL SECURITY INVOKER VIEW customer_value AS
SELECT CustomerId, first_invoice_at, last_invoice_at, recency_days, frequency, monetary,
       tenure_days, typical_gap_days, churn_probability, churn_band, avg_order_value,
       orders_per_year, monetary AS historic_ltv, predicted_ltv_3y, as_of
  FROM customer_analytics;
CREATE OR REPLACE ALGORITHM=MERGE SQL SECURITY INVOKER VIEW campaign_targets AS
SELECT CustomerId, segment, campaign, priority_score, campaign_rank, as_of
  FROM customer_analytics;
CREATE OR REPLACE ALGORITHM=MERGE SQL SECURITY INVOKER VIEW customer_lifecycle AS
SELECT CustomerId, stage, previous_stage, stage_since, days_in_stage, as_of
  FROM customer_analytics;

DROP PROCEDURE IF EXISTS customer_rfm;
DROP PROCEDURE IF EXISTS customer_value;
DROP PROCEDURE IF EXISTS campaign_targets;
DROP PROCEDURE IF EXISTS customer_lifecycle;
DROP PROCEDURE IF EXISTS customer_analytics;

DELIMITER $$
CREATE PROCEDURE customer_analytics(IN p_as_of DATETIME, IN p_mode VARCHAR(16))
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
  COMMENT 'Atomically rebuild customer_analytics (sqlcron analytics pack)'
BEGIN
  DECLARE v_as_of DATETIME DEFAULT COALESCE(p_as_of, NOW());
  DECLARE v_mode VARCHAR(16) DEFAULT LOWER(COALESCE(p_mode, 'incremental'));
  DECLARE v_lock VARCHAR(64) DEFAULT CONCAT(LEFT(DATABASE(), 40), '.customer_analytics');
  DECLARE v_saved_tmp BIGINT UNSIGNED DEFAULT @@SESSION.tmp_table_size;
  DECLARE v_saved_heap BIGINT UNSIGNED DEFAULT @@SESSION.max_heap_table_size;
  DECLARE v_locked BOOLEAN DEFAULT FALSE;
  DECLARE v_rows BIGINT;
  DECLARE v_kept BIGINT;

  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    ROLLBACK;
    SET SESSION tmp_table_size = v_saved_tmp;
    SET SESSION max_heap_table_size = v_saved_heap;
    DROP TEMPORARY TABLE IF EXISTS customer_analytics_rows;
    IF v_locked THEN
      DROP TABLE IF EXISTS customer_analytics_new;
      DO RELEASE_LOCK(v_lock);
    END IF;
    RESIGNAL;
  END;

  IF DATABASE() IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'customer_analytics: no default schema selected';
  END IF;
  IF v_mode NOT IN ('full', 'incremental') THEN
    SIGNAL SQLSTATE '45000'
      SET MESSAGE_TEXT = 'customer_analytics: unknown mode; use ''full'' or ''incremental''';
  END IF;
  IF COALESCE(GET_LOCK(v_lock, 0), 0) <> 1 THEN
    SIGNAL SQLSTATE '45000'
      SET MESSAGE_TEXT = 'customer_analytics: another refresh is running in this schema';
  END IF;
  SET v_locked = TRUE;
  IF NOT EXISTS (SELECT 1 FROM analytics_watermark
                  WHERE Name = 'fact_customer_month' AND AsOf = v_as_of) THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
      'customer_analytics: fact_customer_month is not as of p_as_of; refresh it first';
  END IF;
  -- The window functions sort temporary tables of one row per customer, and the new rows are
  -- staged in one: keep them in memory.
  SET SESSION tmp_table_size = GREATEST(v_saved_tmp, 268435456);
  SET SESSION max_heap_table_size = GREATEST(v_saved_heap, 268435456);

  DROP TEMPORARY TABLE IF EXISTS customer_analytics_rows;
  CREATE TEMPORARY TABLE customer_analytics_rows ENGINE=MEMORY
    SELECT * FROM customer_analytics WHERE FALSE;
  ALTER TABLE customer_analytics_rows ADD PRIMARY KEY (CustomerId);

  -- Innermost to outermost: the per-customer figures; the three NTILEs; segment and churn (the
  -- rounded value, as stored, feeds everything after it); campaign, score and stage; the rank
  -- within the campaign; then the lifecycle history from the previous table.
  INSERT INTO customer_analytics_rows
  SELECT k.CustomerId, k.first_at, k.last_at, k.recency_days, k.frequency, k.monetary,
         k.r, k.f, k.m, CONCAT(k.r, k.f, k.m), k.segment, k.tenure_days,
         ROUND(k.tenure_days / k.gaps, 2), k.churn,
         CASE WHEN k.churn < 0.34 THEN 'low' WHEN k.churn < 0.67 THEN 'medium' ELSE 'high' END,
         ROUND(k.monetary / k.frequency, 2),
         ROUND(k.frequency * 365.25 / GREATEST(k.tenure_days, 30), 4),
         ROUND(k.monetary * 1095.75 * (1 - k.churn) / GREATEST(k.tenure_days, 30), 2),
         k.campaign, k.score, k.campaign_rank, k.stage,
         CASE WHEN o.stage = k.stage THEN o.previous_stage ELSE o.stage END,
         CASE WHEN o.stage = k.stage THEN o.stage_since ELSE v_as_of END,
         GREATEST(DATEDIFF(v_as_of, CASE WHEN o.stage = k.stage THEN o.stage_since
                                         ELSE v_as_of END), 0),
         v_as_of
    FROM (SELECT w.*,
                 ROW_NUMBER() OVER (PARTITION BY w.campaign ORDER BY w.score DESC, w.CustomerId)
                   AS campaign_rank
            FROM (SELECT x.*,
                         CASE x.segment WHEN 'champions' THEN 'vip_reward' WHEN 'loyal' THEN 'upsell'
                                        WHEN 'new' THEN 'onboarding' WHEN 'at_risk' THEN 'win_back'
                                        WHEN 'lost' THEN 'reactivation' ELSE 'nurture' END
                           AS campaign,
                         0.08 * x.m + 0.06 * x.f + 0.3 * x.churn AS score,
                         CASE WHEN x.first_at >= v_as_of - INTERVAL 90 DAY THEN 'new'
                              WHEN x.churn < 0.34 THEN 'active'
                              WHEN x.churn < 0.67 THEN 'at_risk'
                              ELSE 'churned' END AS stage
                    FROM (SELECT s.*,
                                 CASE WHEN s.r >= 4 AND s.f >= 4 AND s.m >= 4 THEN 'champions'
                                      WHEN s.f >= 4 THEN 'loyal'
                                      WHEN s.r >= 4 AND s.f <= 2 THEN 'new'
                                      WHEN s.r <= 2 AND s.f >= 3 THEN 'at_risk'
                                      WHEN s.r <= 2 AND s.f <= 2 THEN 'lost'
                                      ELSE 'needs_attention' END AS segment,
                                 CAST(ROUND(LEAST(1, s.recency_days * s.gaps / (3 * s.tenure_days)), 4)
                                      AS DECIMAL(5,4)) AS churn
                            FROM (SELECT b.*,
                                         NTILE(5) OVER (ORDER BY b.recency_days DESC, b.CustomerId) AS r,
                                         NTILE(5) OVER (ORDER BY b.frequency, b.CustomerId) AS f,
                                         NTILE(5) OVER (ORDER BY b.monetary, b.CustomerId) AS m
                                    FROM (SELECT CustomerId, first_invoice_at AS first_at,
                                                 last_invoice_at AS last_at,
                                                 DATEDIFF(v_as_of, last_invoice_at) AS recency_days,
                                                 orders AS frequency, revenue AS monetary,
                                                 DATEDIFF(last_invoice_at, first_invoice_at) + 1
                                                   AS tenure_days,
                                                 GREATEST(orders - 1, 1) AS gaps
                                            FROM fact_customer) b) s) x) w) k
    LEFT JOIN customer_analytics o ON o.CustomerId = k.CustomerId;

  IF v_mode = 'full' THEN
    -- Leftovers of a crash only (a DROP TABLE IF EXISTS costs as much as a real DDL statement).
    IF EXISTS (SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()
                  AND TABLE_NAME IN ('customer_analytics_new', 'customer_analytics_old')) THEN
      DROP TABLE IF EXISTS customer_analytics_new, customer_analytics_old;
    END IF;
    -- Loaded with its primary key only, in key order; the secondary keys are built afterwards
    -- by one sorted ALTER (cheaper than maintaining them row by row).
    CREATE TABLE customer_analytics_new LIKE customer_analytics;
    ALTER TABLE customer_analytics_new DROP KEY ix_customer_analytics_segment,
      DROP KEY ix_customer_analytics_band, DROP KEY ix_customer_analytics_rank,
      DROP KEY ix_customer_analytics_stage;
    INSERT INTO customer_analytics_new SELECT * FROM customer_analytics_rows ORDER BY CustomerId;
    ALTER TABLE customer_analytics_new ADD KEY ix_customer_analytics_segment (segment),
      ADD KEY ix_customer_analytics_band (churn_band),
      ADD KEY ix_customer_analytics_rank (campaign, campaign_rank),
      ADD KEY ix_customer_analytics_stage (stage);
    RENAME TABLE customer_analytics TO customer_analytics_old,
                 customer_analytics_new TO customer_analytics;
    DROP TABLE customer_analytics_old;
    START TRANSACTION;
  ELSE
    -- In place, in one transaction: every row is rewritten (p_as_of moves recency, churn, ranks
    -- and days in stage of every customer), customers gone are deleted, new ones inserted. At
    -- x1000 this takes ~0.2 s more CPU than the swap above, but no DDL: in bench/analytics the
    -- swap's five DDL statements waited 0.3-0.9 s for fsync behind the disk's other writes.
    START TRANSACTION;
    DELETE a FROM customer_analytics a
      LEFT JOIN customer_analytics_rows r ON r.CustomerId = a.CustomerId
     WHERE r.CustomerId IS NULL;
    UPDATE customer_analytics a
      JOIN customer_analytics_rows r ON r.CustomerId = a.CustomerId
       SET a.first_invoice_at = r.first_invoice_at, a.last_invoice_at = r.last_invoice_at,
           a.recency_days = r.recency_days, a.frequency = r.frequency, a.monetary = r.monetary,
           a.r_score = r.r_score, a.f_score = r.f_score, a.m_score = r.m_score,
           a.rfm_cell = r.rfm_cell, a.segment = r.segment, a.tenure_days = r.tenure_days,
           a.typical_gap_days = r.typical_gap_days, a.churn_probability = r.churn_probability,
           a.churn_band = r.churn_band, a.avg_order_value = r.avg_order_value,
           a.orders_per_year = r.orders_per_year, a.predicted_ltv_3y = r.predicted_ltv_3y,
           a.campaign = r.campaign, a.priority_score = r.priority_score,
           a.campaign_rank = r.campaign_rank, a.stage = r.stage,
           a.previous_stage = r.previous_stage, a.stage_since = r.stage_since,
           a.days_in_stage = r.days_in_stage, a.as_of = r.as_of;
    -- New customers: only when there are more new rows than the table keeps.
    SELECT COUNT(*) INTO v_rows FROM customer_analytics_rows;
    SELECT COUNT(*) INTO v_kept FROM customer_analytics;
    IF v_rows <> v_kept THEN
      INSERT INTO customer_analytics
      SELECT r.* FROM customer_analytics_rows r
        LEFT JOIN customer_analytics a ON a.CustomerId = r.CustomerId
       WHERE a.CustomerId IS NULL
       ORDER BY r.CustomerId;
    END IF;
  END IF;
  INSERT INTO analytics_watermark (Name, LastId, LastId2, AsOf, UpdatedAt)
  VALUES ('customer_analytics', 0, 0, v_as_of, NOW(6))
  ON DUPLICATE KEY UPDATE AsOf = v_as_of, UpdatedAt = NOW(6);
  COMMIT;
  DROP TEMPORARY TABLE customer_analytics_rows;
  SET SESSION tmp_table_size = v_saved_tmp;
  SET SESSION max_heap_table_size = v_saved_heap;
  DO RELEASE_LOCK(v_lock);
END$$
DELIMITER ;
