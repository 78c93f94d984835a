-- sqlcron: repeatable
-- Analytics workload pack: shared support objects.
-- Applied once by `sqlcrond migrate` with the target database as the default schema (names no
-- schema); can also be sourced by hand with the mysql/mariadb client. MySQL 8.0+ and MariaDB 10.6+.
-- The pack reads the Chinook base tables (Customer, Invoice, InvoiceLine, Track, ...) of the same
-- schema; it does not need the Chinook pack's tables.

-- Watermarks of the incremental loads (fact_sales, fact_customer_month): one row per load.
-- LastId = the highest source id examined, LastId2 a second one where a load needs it, AsOf = the
-- p_as_of of the refresh that wrote the row.
CREATE TABLE IF NOT EXISTS analytics_watermark (
  Name       VARCHAR(64) NOT NULL,
  LastId     BIGINT      NOT NULL DEFAULT 0,
  LastId2    BIGINT      NOT NULL DEFAULT 0,
  AsOf       DATETIME    NOT NULL,
  UpdatedAt  DATETIME(6) NOT NULL,
  PRIMARY KEY (Name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Source rows an incremental load examined but could not take yet because their invoice is dated
-- after that refresh's p_as_of (or does not exist yet): the next refresh looks at them again.
CREATE TABLE IF NOT EXISTS analytics_pending (
  Name  VARCHAR(64) NOT NULL,
  Id    BIGINT      NOT NULL,
  PRIMARY KEY (Name, Id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
