-- sqlcron's own schema: the run log, the mirror of the loaded jobs, and daemon instances.
-- Applied by `sqlcrond migrate` with the state schema (scheduler.state_schema) as default schema.
-- All times are UTC.

CREATE TABLE IF NOT EXISTS runs (
  run_id        BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  job           VARCHAR(128) NOT NULL,
  scheduled_for DATETIME(6) NOT NULL,
  attempt       SMALLINT UNSIGNED NOT NULL DEFAULT 1,
  cause         ENUM('schedule','catchup','retry','manual','chain','failure_hook') NOT NULL,
  instance      VARCHAR(255) NOT NULL,
  connection_id BIGINT UNSIGNED NULL,
  started_at    DATETIME(6) NULL,
  finished_at   DATETIME(6) NULL,
  duration_ms   DECIMAL(15,3) NULL,
  status        ENUM('running','succeeded','failed','timed_out','skipped','abandoned','cancelled')
                NOT NULL,
  rows_affected BIGINT NULL,
  error_code    INT NULL,
  sql_state     CHAR(5) NULL,
  error_message TEXT NULL,
  PRIMARY KEY (run_id),
  -- The claim: with several daemons on one database, each slot runs exactly once.
  UNIQUE KEY uq_runs_slot (job, scheduled_for, attempt),
  KEY ix_runs_status (status, job),
  KEY ix_runs_started (started_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS jobs (
  name          VARCHAR(128) NOT NULL,
  schedule      VARCHAR(512) NOT NULL,
  timezone      VARCHAR(64) NOT NULL,
  target        VARCHAR(200) NOT NULL,
  enabled       BOOLEAN NOT NULL,
  next_fire_at  DATETIME(6) NULL,
  last_run_id   BIGINT UNSIGNED NULL,
  last_status   VARCHAR(16) NULL,
  defined_at    DATETIME(6) NOT NULL,
  updated_at    DATETIME(6) NOT NULL,
  updated_by    VARCHAR(255) NOT NULL,
  PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS instances (
  instance      VARCHAR(255) NOT NULL,
  hostname      VARCHAR(255) NOT NULL,
  pid           INT UNSIGNED NOT NULL,
  version       VARCHAR(32) NOT NULL,
  started_at    DATETIME(6) NOT NULL,
  heartbeat_at  DATETIME(6) NOT NULL,
  stopped_at    DATETIME(6) NULL,
  PRIMARY KEY (instance)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The latest run of every job.
CREATE OR REPLACE VIEW last_runs AS
SELECT r.*
FROM runs r
JOIN (SELECT job, MAX(run_id) AS run_id FROM runs GROUP BY job) latest
  ON latest.run_id = r.run_id;

-- Runs that did not succeed in the last 24 hours.
CREATE OR REPLACE VIEW recent_failures AS
SELECT *
FROM runs
WHERE status IN ('failed', 'timed_out', 'abandoned', 'cancelled')
  AND scheduled_for >= UTC_TIMESTAMP(6) - INTERVAL 1 DAY;
