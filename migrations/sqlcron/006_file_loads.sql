-- File loads you can trust (issue 16): runs started by a file in a watched directory have cause
-- `watch`; files a load_csv job refused as a whole are remembered apart from the loaded ones;
-- rejected lines keep their bytes as read.

ALTER TABLE runs
  MODIFY cause ENUM('schedule','catchup','retry','manual','chain','failure_hook','watch') NOT NULL;

-- A file with every line rejected, or more than load_csv.max_reject_ratio of them: nothing of it
-- was loaded and its run failed. Later runs leave it alone (they do not fail again on it) until
-- `sqlcrond forget-file PATH` deletes this row; the same content under another name is refused
-- the same way, corrected content (another checksum) loads.
CREATE TABLE IF NOT EXISTS rejected_files (
  job            VARCHAR(128) NOT NULL,
  checksum       CHAR(16) NOT NULL,   -- FNV-1a 64 of the content, hex
  file_name      VARCHAR(255) NOT NULL,
  size_bytes     BIGINT UNSIGNED NOT NULL,
  run_id         BIGINT UNSIGNED NOT NULL,
  lines_loadable BIGINT UNSIGNED NOT NULL,   -- lines that would have been loaded
  lines_rejected BIGINT UNSIGNED NOT NULL,   -- their reasons are in load_rejects (run_id)
  reason         VARCHAR(255) NOT NULL,
  rejected_at    DATETIME(6) NOT NULL,
  PRIMARY KEY (job, checksum),
  KEY ix_rejected_files_run (run_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The rejected line exactly as read (the first 4 KiB), invalid UTF-8 included.
ALTER TABLE load_rejects MODIFY raw BLOB NULL;
