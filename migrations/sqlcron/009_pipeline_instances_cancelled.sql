-- pipeline_instances again (008), now counting a step `cancelled` by a shutdown or an operator's
-- second Ctrl-C as not done: it shows as the instance's failed step (its run id is the one to
-- give `sqlcrond rerun`), where before the instance looked healthy with a step missing.
CREATE OR REPLACE VIEW pipeline_instances
  (chain_run_id, root_job, slot, steps, succeeded, failed, skipped, running, failed_job,
   failed_run_id, error_code, error_message, last_activity) AS
WITH member AS (
  SELECT COALESCE(chain_run_id, run_id) AS instance, run_id, job, status, error_code,
         error_message, COALESCE(finished_at, started_at) AS at,
         ROW_NUMBER() OVER (PARTITION BY COALESCE(chain_run_id, run_id), job
                            ORDER BY run_id DESC) AS nth
  FROM runs
  WHERE cause <> 'failure_hook'
),
latest AS (
  SELECT instance, run_id, job, status, error_code, error_message, at
  FROM member
  WHERE nth = 1
),
first_failure AS (
  SELECT instance, run_id, job, error_code, error_message,
         ROW_NUMBER() OVER (PARTITION BY instance ORDER BY run_id) AS nth
  FROM latest
  WHERE status IN ('failed', 'timed_out', 'abandoned', 'cancelled')
)
SELECT l.instance, root.job, root.scheduled_for, COUNT(*),
       SUM(l.status = 'succeeded'), SUM(l.status IN ('failed', 'timed_out', 'abandoned', 'cancelled')),
       SUM(l.status = 'skipped'), SUM(l.status = 'running'), f.job, f.run_id, f.error_code,
       f.error_message, MAX(l.at)
FROM latest l
LEFT JOIN runs root ON root.run_id = l.instance
LEFT JOIN first_failure f ON f.instance = l.instance AND f.nth = 1
GROUP BY l.instance, root.job, root.scheduled_for, f.job, f.run_id, f.error_code, f.error_message
HAVING COUNT(*) > 1;
