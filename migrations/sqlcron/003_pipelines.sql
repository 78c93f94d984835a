-- Pipelines (docs/pipelines.md): chains of jobs, notify commands and CSV loads.

-- The pipeline instance a run belongs to: the run id of the chain's root run (NULL for a run
-- that is not a chain step; a root's own chain is its run_id).
ALTER TABLE runs
  ADD COLUMN chain_run_id BIGINT UNSIGNED NULL AFTER cause,
  ADD KEY ix_runs_chain (chain_run_id);

-- One row per notify command run for a failed run: what ran, how it ended, what it printed.
CREATE TABLE IF NOT EXISTS notifications (
  notification_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  run_id          BIGINT UNSIGNED NOT NULL,
  job             VARCHAR(128) NOT NULL,
  command         TEXT NOT NULL,
  started_at      DATETIME(6) NOT NULL,
  duration_ms     DECIMAL(15,3) NOT NULL,
  exit_code       INT NULL,          -- NULL when killed by a signal or not started
  term_signal     INT NULL,
  timed_out       BOOLEAN NOT NULL,
  output          TEXT NULL,         -- stdout and stderr, the first 64 KiB
  error_message   TEXT NULL,         -- why it could not be started
  PRIMARY KEY (notification_id),
  KEY ix_notifications_run (run_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- CSV files loaded by load_csv jobs: each file (by content) is loaded once per job.
CREATE TABLE IF NOT EXISTS loaded_files (
  job           VARCHAR(128) NOT NULL,
  checksum      CHAR(16) NOT NULL,   -- FNV-1a 64 of the content, hex
  file_name     VARCHAR(255) NOT NULL,
  size_bytes    BIGINT UNSIGNED NOT NULL,
  run_id        BIGINT UNSIGNED NOT NULL,
  rows_loaded   BIGINT UNSIGNED NOT NULL,
  rows_rejected BIGINT UNSIGNED NOT NULL,
  loaded_at     DATETIME(6) NOT NULL,
  PRIMARY KEY (job, checksum),
  KEY ix_loaded_files_run (run_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Lines of loaded files that could not be parsed (wrong field count, bad quoting, invalid
-- UTF-8): never loaded, kept here with the reason.
CREATE TABLE IF NOT EXISTS load_rejects (
  reject_id   BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  run_id      BIGINT UNSIGNED NOT NULL,
  job         VARCHAR(128) NOT NULL,
  file_name   VARCHAR(255) NOT NULL,
  line        INT UNSIGNED NOT NULL,
  reason      VARCHAR(255) NOT NULL,
  raw         TEXT NULL,                -- the line as read, the first 4 KiB
  PRIMARY KEY (reject_id),
  KEY ix_load_rejects_run (run_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
