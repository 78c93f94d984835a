-- sqlcron: repeatable
-- Chinook workload pack: shared support objects.
-- Applied once by `sqlcrond migrate` with the target database as the default schema (names no
-- schema); can also be sourced by hand with the mysql/mariadb client. MySQL 8.0+ and MariaDB 10.6+.

-- Watermarks of incremental loads: one row per load. sale_summary('incremental') keeps in
-- LastId the highest InvoiceLineId that sale_summary holds; sale_summary('full') resets it.
CREATE TABLE IF NOT EXISTS etl_watermark (
  Name       VARCHAR(64) NOT NULL,
  LastId     BIGINT      NOT NULL DEFAULT 0,
  UpdatedAt  DATETIME(6) NOT NULL,
  PRIMARY KEY (Name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
