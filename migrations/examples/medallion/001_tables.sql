-- Medallion example: the tables of the three layers, the audit and the alert table.
-- Applied by `sqlcrond migrate` with the workload schema as the default schema (names no schema);
-- can also be sourced by hand with the mysql/mariadb client. MySQL 8.0+ and MariaDB 10.11.
-- See docs/medallion.md.
--
--   raw_sales            bronze: the CSV files as loaded by the `load_csv` job kind, text as in
--                        the file, one row per parsed line. Written by the loader only.
--   curated_sales        silver: typed, validated, one row per (order_id, line_no): the latest
--                        ingested valid version. Written by medallion_curate.
--   quarantine_sales     raw rows that failed typing or validation, with the reason.
--   gold_daily_sales     gold: per order date: revenue, orders, customers, quantity, lines.
--   gold_customer_stats  gold: per customer: name, lifetime value, orders, first/last order date.
--   gold_sales_wide      gold: one row per curated line with its customer's statistics.
--   audit_layer_counts   one row per layer per run: rows in, written, quarantined.
--   medallion_check_log  one row per medallion_check call: the totals compared and the verdict.
--   medallion_alerts     filled by the example's failure hook (the job medallion_alert).
-- Slots and the *_at columns the procedures write are UTC. Every table has a primary key
-- (sql_require_primary_key).

-- Bronze. The loader's contract (names fixed by the load_csv job kind): the CSV columns as
-- nullable text (an empty unquoted field is NULL, "" is the empty string), then where the row
-- came from. Lines the loader cannot parse never get here (it records them in the state schema).
-- VARCHAR(1024): room for any sane field; curate rejects values too long for their typed column.
CREATE TABLE IF NOT EXISTS raw_sales (
  raw_id         BIGINT        NOT NULL AUTO_INCREMENT,
  order_id       VARCHAR(1024) NULL,
  line_no        VARCHAR(1024) NULL,
  order_date     VARCHAR(1024) NULL,
  customer_id    VARCHAR(1024) NULL,
  customer_name  VARCHAR(1024) NULL,
  product        VARCHAR(1024) NULL,
  quantity       VARCHAR(1024) NULL,
  unit_price     VARCHAR(1024) NULL,
  source_file    VARCHAR(255)  NOT NULL,  -- file name
  source_line    INT           NOT NULL,  -- 1-based line number in the file
  ingested_at    DATETIME(6)   NOT NULL,
  ingest_run_id  BIGINT        NOT NULL,  -- run id of the loading run
  ingest_slot    DATETIME      NOT NULL,  -- the loading run's scheduled_for (UTC)
  PRIMARY KEY (raw_id),
  KEY ix_raw_sales_slot (ingest_slot),    -- curate's window
  KEY ix_raw_sales_source (source_file, source_line)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Silver. Key (order_id, line_no); raw_id .. ingest_slot say which raw row the values come from;
-- curated_slot is the p_until of the curate run that last changed the row: medallion_gold's
-- window. line_total = quantity * unit_price.
CREATE TABLE IF NOT EXISTS curated_sales (
  order_id        BIGINT        NOT NULL,
  line_no         INT           NOT NULL,
  order_date      DATE          NOT NULL,
  customer_id     BIGINT        NOT NULL,
  customer_name   VARCHAR(255)  NOT NULL,
  product         VARCHAR(255)  NOT NULL,
  quantity        INT           NOT NULL,
  unit_price      DECIMAL(12,2) NOT NULL,
  line_total      DECIMAL(21,2) NOT NULL,
  raw_id          BIGINT        NOT NULL,
  source_file     VARCHAR(255)  NOT NULL,
  source_line     INT           NOT NULL,
  ingest_slot     DATETIME      NOT NULL,
  curated_slot    DATETIME      NOT NULL,
  curated_run_id  BIGINT        NOT NULL,
  curated_at      DATETIME(6)   NOT NULL,
  PRIMARY KEY (order_id, line_no),
  UNIQUE KEY ux_curated_sales_raw (raw_id),
  KEY ix_curated_sales_slot (curated_slot),
  -- Covering the per-day and per-customer sums of medallion_gold (and the primary key columns
  -- are in every secondary index): a touched day or customer is one index range, no row lookups.
  KEY ix_curated_sales_date (order_date, customer_id, quantity, line_total),
  KEY ix_curated_sales_customer (customer_id, order_date, quantity, line_total, raw_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Raw rows that failed validation: one row per raw row (raw_id), first quarantining run kept.
-- reason lists every problem found, separated by '; '. The raw text is copied for convenience.
CREATE TABLE IF NOT EXISTS quarantine_sales (
  raw_id            BIGINT        NOT NULL,
  source_file       VARCHAR(255)  NOT NULL,
  source_line       INT           NOT NULL,
  ingest_slot       DATETIME      NOT NULL,
  reason            VARCHAR(512)  NOT NULL,
  order_id          VARCHAR(1024) NULL,
  line_no           VARCHAR(1024) NULL,
  order_date        VARCHAR(1024) NULL,
  customer_id       VARCHAR(1024) NULL,
  customer_name     VARCHAR(1024) NULL,
  product           VARCHAR(1024) NULL,
  quantity          VARCHAR(1024) NULL,
  unit_price        VARCHAR(1024) NULL,
  quarantined_run_id BIGINT       NOT NULL,
  quarantined_at    DATETIME(6)   NOT NULL,
  PRIMARY KEY (raw_id),
  KEY ix_quarantine_sales_slot (ingest_slot),
  KEY ix_quarantine_sales_source (source_file, source_line)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Gold. updated_slot / updated_run_id: the gold run that last changed the row (a re-run that
-- changes nothing leaves them as they are).
CREATE TABLE IF NOT EXISTS gold_daily_sales (
  order_date      DATE          NOT NULL,
  revenue         DECIMAL(24,2) NOT NULL,  -- sum of line_total
  orders          INT           NOT NULL,  -- distinct order_id
  customers       INT           NOT NULL,  -- distinct customer_id
  quantity        BIGINT        NOT NULL,  -- sum of quantity
  line_count      INT           NOT NULL,  -- curated lines
  updated_slot    DATETIME      NOT NULL,
  updated_run_id  BIGINT        NOT NULL,
  PRIMARY KEY (order_date)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS gold_customer_stats (
  customer_id       BIGINT        NOT NULL,
  customer_name     VARCHAR(255)  NOT NULL,  -- as on the customer's latest ingested line
  lifetime_value    DECIMAL(24,2) NOT NULL,  -- sum of line_total
  order_count       INT           NOT NULL,  -- distinct order_id
  line_count        INT           NOT NULL,
  quantity          BIGINT        NOT NULL,
  first_order_date  DATE          NOT NULL,
  last_order_date   DATE          NOT NULL,
  updated_slot      DATETIME      NOT NULL,
  updated_run_id    BIGINT        NOT NULL,
  PRIMARY KEY (customer_id),
  KEY ix_gold_customer_stats_ltv (lifetime_value),
  KEY ix_gold_customer_stats_last (last_order_date)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS gold_sales_wide (
  order_id                   BIGINT        NOT NULL,
  line_no                    INT           NOT NULL,
  order_date                 DATE          NOT NULL,
  customer_id                BIGINT        NOT NULL,
  customer_name              VARCHAR(255)  NOT NULL,  -- as on this line
  product                    VARCHAR(255)  NOT NULL,
  quantity                   INT           NOT NULL,
  unit_price                 DECIMAL(12,2) NOT NULL,
  line_total                 DECIMAL(21,2) NOT NULL,
  customer_lifetime_value    DECIMAL(24,2) NOT NULL,
  customer_order_count       INT           NOT NULL,
  customer_first_order_date  DATE          NOT NULL,
  customer_last_order_date   DATE          NOT NULL,
  days_since_first_order     INT           NOT NULL,  -- order_date - customer_first_order_date
  raw_id                     BIGINT        NOT NULL,  -- lineage: the curated row's raw row
  source_file                VARCHAR(255)  NOT NULL,
  updated_slot               DATETIME      NOT NULL,
  updated_run_id             BIGINT        NOT NULL,
  PRIMARY KEY (order_id, line_no),
  KEY ix_gold_sales_wide_date (order_date),
  KEY ix_gold_sales_wide_customer (customer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- One row per layer per run. layer 'raw' and 'curated' are written by medallion_curate, 'gold'
-- by medallion_gold, in the same transaction as the rows they count. slot is the run's p_until
-- (the pipeline's scheduled_for). A second call with the same run id replaces its rows.
--   raw:     rows_in = rows_written = raw rows in the window; rows_quarantined = 0
--   curated: rows_in = raw rows in the window; rows_written = curated rows inserted or updated;
--            rows_quarantined = raw rows of the window that failed validation
--   gold:    rows_in = curated rows in the window; rows_written = gold rows inserted, updated
--            or deleted (all three tables); rows_quarantined = 0
CREATE TABLE IF NOT EXISTS audit_layer_counts (
  run_id            BIGINT      NOT NULL,
  layer             VARCHAR(16) NOT NULL,
  slot              DATETIME    NOT NULL,
  window_since      DATETIME    NULL,      -- the run's p_since (NULL: from the beginning)
  rows_in           BIGINT      NOT NULL,
  rows_written      BIGINT      NOT NULL,
  rows_quarantined  BIGINT      NOT NULL,
  recorded_at       DATETIME(6) NOT NULL,
  PRIMARY KEY (run_id, layer),
  KEY ix_audit_layer_counts_layer_slot (layer, slot),
  KEY ix_audit_layer_counts_recorded (recorded_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- One row per medallion_check call (also when it fails). status: passed | failed | deferred
-- (gold has not processed the latest curated changes yet: nothing to compare).
CREATE TABLE IF NOT EXISTS medallion_check_log (
  id                     BIGINT        NOT NULL AUTO_INCREMENT,
  run_id                 BIGINT        NOT NULL,
  status                 VARCHAR(16)   NOT NULL,
  curated_lines          BIGINT        NOT NULL,
  curated_revenue        DECIMAL(24,2) NOT NULL,
  curated_quantity       BIGINT        NOT NULL,
  curated_customers      BIGINT        NOT NULL,
  daily_lines            BIGINT        NOT NULL,
  daily_revenue          DECIMAL(24,2) NOT NULL,
  daily_quantity         BIGINT        NOT NULL,
  wide_lines             BIGINT        NOT NULL,
  wide_revenue           DECIMAL(24,2) NOT NULL,
  customer_ltv_total     DECIMAL(24,2) NOT NULL,
  gold_customers         BIGINT        NOT NULL,
  day_mismatches         BIGINT        NOT NULL,  -- days whose gold figures differ from curated
  customer_mismatches    BIGINT        NOT NULL,  -- customers whose gold figures differ
  line_mismatches        BIGINT        NOT NULL,  -- wide rows differing from their curated line
  message                VARCHAR(512)  NOT NULL,
  checked_at             DATETIME(6)   NOT NULL,
  PRIMARY KEY (id),
  KEY ix_medallion_check_log_run (run_id),
  KEY ix_medallion_check_log_checked (checked_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Written by the failure hook job medallion_alert (config/examples/medallion.yaml) with the
-- failed run's fields. Text columns: the hook must never fail on an unexpected value.
CREATE TABLE IF NOT EXISTS medallion_alerts (
  id             BIGINT       NOT NULL AUTO_INCREMENT,
  failed_job     VARCHAR(255) NULL,
  failed_run_id  BIGINT       NULL,
  error_code     VARCHAR(32)  NULL,
  error_message  TEXT         NULL,
  alerted_at     DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),  -- session time zone
  PRIMARY KEY (id),
  KEY ix_medallion_alerts_at (alerted_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
