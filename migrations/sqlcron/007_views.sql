-- The views name their columns. A view created with `SELECT *` keeps the columns the table had
-- when it was created (001's views never showed 003's chain_run_id): a migration that changes
-- `runs` recreates every view over it, after the change (tests/unit/migrate checks this).

-- The latest run of each job.
CREATE OR REPLACE VIEW last_runs AS
SELECT r.run_id, r.job, r.scheduled_for, r.attempt, r.cause, r.chain_run_id, r.instance,
       r.connection_id, r.started_at, r.finished_at, r.duration_ms, r.status, r.rows_affected,
       r.error_code, r.sql_state, r.error_message
FROM runs r
JOIN (SELECT job, MAX(run_id) AS run_id FROM runs GROUP BY job) latest
  ON latest.run_id = r.run_id;

-- Runs that did not succeed, that ended (or were last seen) in the last 24 hours - whatever
-- their slot: a backfill of last month that failed today is a failure of today.
CREATE OR REPLACE VIEW recent_failures AS
SELECT run_id, job, scheduled_for, attempt, cause, chain_run_id, instance, connection_id,
       started_at, finished_at, duration_ms, status, rows_affected, error_code, sql_state,
       error_message
FROM runs
WHERE status IN ('failed', 'timed_out', 'abandoned', 'cancelled')
  AND COALESCE(finished_at, started_at, scheduled_for) >= UTC_TIMESTAMP(6) - INTERVAL 1 DAY;

-- Runs in progress, with how long they have been running.
CREATE OR REPLACE VIEW running_runs AS
SELECT run_id, job, scheduled_for, attempt, cause, chain_run_id, instance, connection_id,
       started_at, TIMESTAMPDIFF(MICROSECOND, started_at, UTC_TIMESTAMP(6)) / 1000000 AS age_seconds
FROM runs
WHERE status = 'running';

-- A chain root's chain_run_id is its own run id (003's comment; the daemon writes it so since
-- this version). Roots recorded before: every run that some step names as its chain.
UPDATE runs r
JOIN (SELECT DISTINCT chain_run_id FROM runs WHERE chain_run_id IS NOT NULL) c
  ON c.chain_run_id = r.run_id
SET r.chain_run_id = r.run_id
WHERE r.chain_run_id IS NULL;
