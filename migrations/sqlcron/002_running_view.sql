-- Runs in progress, with how long they have been running, for people who inspect with `mysql`.
CREATE OR REPLACE VIEW running_runs AS
SELECT run_id, job, scheduled_for, attempt, cause, instance, connection_id, started_at,
       TIMESTAMPDIFF(MICROSECOND, started_at, UTC_TIMESTAMP(6)) / 1000000 AS age_seconds
FROM runs
WHERE status = 'running';
