-- sqlcron: repeatable
-- analytics_refresh(p_as_of DATETIME, p_mode VARCHAR(16))
--
-- Runs the whole analytics pack for one slot, in dependency order, in this session:
-- dim_customer, dim_track, fact_sales(p_mode), fact_customer_month(p_mode), dim_date (after
-- fact_customer_month: it reads the range of months from fact_month), customer_analytics(p_mode)
-- (customer_rfm, customer_value, campaign_targets, customer_lifecycle), monthly_metrics(p_mode),
-- cohort_retention(p_mode), business_insights. For running the pack by hand or from a single job;
-- the example config chains the steps as separate jobs instead (each step in the run log). Errors
-- of a step are re-signalled unchanged and stop the rest.

DROP PROCEDURE IF EXISTS analytics_refresh;

DELIMITER $$
CREATE PROCEDURE analytics_refresh(IN p_as_of DATETIME, IN p_mode VARCHAR(16))
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
  COMMENT 'Refresh every table of the analytics pack for one slot (sqlcron analytics pack)'
BEGIN
  DECLARE v_as_of DATETIME DEFAULT COALESCE(p_as_of, NOW());
  CALL dim_customer(v_as_of);
  CALL dim_track(v_as_of);
  CALL fact_sales(v_as_of, p_mode);
  CALL fact_customer_month(v_as_of, p_mode);
  CALL dim_date(v_as_of);
  CALL customer_analytics(v_as_of, p_mode);
  CALL monthly_metrics(v_as_of, p_mode);
  CALL cohort_retention(v_as_of, p_mode);
  CALL business_insights(v_as_of);
END$$
DELIMITER ;
