-- A version (applied once by `sqlcrond migrate`, never to change; not repeatable).
-- Before 060_summary_rebase.sql, a full refresh of customer_summary or product_summary_etl did
-- not record the nightly path's state, so the state an earlier version left can be behind the
-- rows a later full refresh wrote, and the next incremental run would count again what that
-- refresh counted. Forget it once: the next incremental run of each table refreshes in full and
-- records state it can trust.
DELETE FROM etl_summary_state WHERE Name IN ('customer_summary', 'product_summary_etl');
