-- Overlap across daemons (docs/semantics.md, Overlap): a job with `overlap: skip` or `queue` holds
-- one lease row while a run of it runs (`allow` with max_instances N: slots 1..N). A lease is
-- held while the run it names is `running`: it needs no release, so a daemon that dies leaves
-- nothing stuck - its runs become `abandoned` and their leases free.
CREATE TABLE IF NOT EXISTS leases (
  job      VARCHAR(128) NOT NULL,
  slot_no  SMALLINT UNSIGNED NOT NULL,
  run_id   BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (job, slot_no)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
