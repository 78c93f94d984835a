-- Interval anchors (docs/schedules.md, "Anchors"): a job whose schedule counts from its
-- definition (`@every D`, `every N unit` without `starts`) counts from the first time a daemon
-- loaded that schedule, as MySQL's STARTS defaults to CREATE EVENT's time. Reloads, restarts,
-- other daemons and the CLI read the anchor here; only a changed schedule re-anchors. A job
-- removed from the config keeps its row: added back with the same schedule, it keeps its grid.
CREATE TABLE IF NOT EXISTS anchors (
  job          VARCHAR(128) NOT NULL,
  schedule     TEXT NOT NULL,          -- the expression the anchor belongs to, as written
  timezone     VARCHAR(64) NOT NULL,   -- its zone for calendar intervals; '' when it plays no part
  anchored_at  DATETIME NOT NULL,      -- UTC
  anchored_by  VARCHAR(255) NOT NULL,  -- the instance that recorded it
  PRIMARY KEY (job)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
