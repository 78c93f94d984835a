-- Baseline for bench/etl: the Chinook ETL as an EVENT-scheduler job would typically do it.
-- Every table is dropped and re-created with CREATE TABLE ... SELECT over straightforward joins of
-- the base tables (readers see no table, then a half-built one, while it runs), no indexes on the
-- results, playlists through a correlated subquery. It produces the same rows as the pack's
-- procedures (bench/etl checks that), including sales_monthly and customer_cohort, which the pack's
-- sale_summary('full') also maintains, so both sides do the same work.
--
-- Sourced with the target schema as the default schema. Separate sections are timed separately by
-- bench/etl; they are delimited by lines starting with "-- @section NAME".

-- @section customer_summary
DROP TABLE IF EXISTS bl_customer_summary;
CREATE TABLE bl_customer_summary AS
SELECT c.CustomerId, c.FirstName, c.LastName, c.Company, c.Address, c.City, c.State, c.Country,
       c.PostalCode, c.Phone, c.Fax, c.Email, c.SupportRepId,
       CONCAT(e.FirstName, ' ', e.LastName) AS SupportRepName,
       COUNT(DISTINCT i.InvoiceId) AS TotalInvoices,
       COALESCE(SUM(il.Quantity), 0) AS TotalTracks,
       COALESCE(SUM(il.UnitPrice * il.Quantity), 0) AS TotalSales,
       MIN(i.InvoiceDate) AS FirstPurchaseDate,
       MAX(i.InvoiceDate) AS LastPurchaseDate,
       CASE WHEN MAX(i.InvoiceDate) >= NOW() - INTERVAL 180 DAY THEN 'active' ELSE 'churned' END
         AS CustomerStatus
FROM Customer c
LEFT JOIN Employee e ON e.EmployeeId = c.SupportRepId
LEFT JOIN Invoice i ON i.CustomerId = c.CustomerId AND i.InvoiceDate <= NOW()
LEFT JOIN InvoiceLine il ON il.InvoiceId = i.InvoiceId
GROUP BY c.CustomerId;

-- @section product_summary_etl
SET SESSION group_concat_max_len = 65535;
DROP TABLE IF EXISTS bl_product_summary_etl;
CREATE TABLE bl_product_summary_etl AS
SELECT t.TrackId, t.Name AS TrackName, al.Title AS AlbumTitle, ar.Name AS ArtistName,
       mt.Name AS MediaType, g.Name AS Genre, t.Composer, t.UnitPrice, t.Milliseconds,
       (SELECT GROUP_CONCAT(DISTINCT p.Name ORDER BY p.Name SEPARATOR ', ')
          FROM PlaylistTrack pt JOIN Playlist p ON p.PlaylistId = pt.PlaylistId
         WHERE pt.TrackId = t.TrackId) AS Playlists,
       COALESCE(SUM(il.UnitPrice * il.Quantity), 0) AS TotalSales,
       COALESCE(SUM(il.Quantity), 0) AS TotalQuantity,
       COUNT(DISTINCT il.InvoiceId) AS TotalInvoices,
       COUNT(DISTINCT i.CustomerId) AS TotalCustomers
FROM Track t
LEFT JOIN Album al ON al.AlbumId = t.AlbumId
LEFT JOIN Artist ar ON ar.ArtistId = al.ArtistId
LEFT JOIN MediaType mt ON mt.MediaTypeId = t.MediaTypeId
LEFT JOIN Genre g ON g.GenreId = t.GenreId
LEFT JOIN InvoiceLine il ON il.TrackId = t.TrackId
LEFT JOIN Invoice i ON i.InvoiceId = il.InvoiceId
GROUP BY t.TrackId;

-- @section sale_summary
DROP TABLE IF EXISTS bl_sale_summary;
CREATE TABLE bl_sale_summary AS
SELECT il.InvoiceLineId, il.InvoiceId, i.InvoiceDate, i.CustomerId,
       CONCAT(c.FirstName, ' ', c.LastName) AS CustomerName, i.BillingCountry AS Country,
       il.TrackId, t.Name AS TrackName, g.Name AS Genre, il.UnitPrice, il.Quantity,
       il.UnitPrice * il.Quantity AS LineTotal
FROM InvoiceLine il
JOIN Invoice i ON i.InvoiceId = il.InvoiceId
LEFT JOIN Customer c ON c.CustomerId = i.CustomerId
LEFT JOIN Track t ON t.TrackId = il.TrackId
LEFT JOIN Genre g ON g.GenreId = t.GenreId;

DROP TABLE IF EXISTS bl_sales_monthly;
CREATE TABLE bl_sales_monthly AS
SELECT m.Month, m.Revenue, m.Invoices, m.Customers,
       LAG(m.Revenue) OVER (ORDER BY m.Month) AS PrevMonthRevenue,
       ROUND(100 * (m.Revenue - LAG(m.Revenue) OVER (ORDER BY m.Month))
             / NULLIF(LAG(m.Revenue) OVER (ORDER BY m.Month), 0), 2) AS MoMChangePct
FROM (SELECT CAST(DATE_FORMAT(InvoiceDate, '%Y-%m-01') AS DATE) AS Month,
             SUM(LineTotal) AS Revenue, COUNT(DISTINCT InvoiceId) AS Invoices,
             COUNT(DISTINCT CustomerId) AS Customers
        FROM bl_sale_summary
       GROUP BY CAST(DATE_FORMAT(InvoiceDate, '%Y-%m-01') AS DATE)) m;

DROP TABLE IF EXISTS bl_customer_cohort;
CREATE TABLE bl_customer_cohort AS
WITH firsts AS (
  SELECT CustomerId, CAST(DATE_FORMAT(MIN(InvoiceDate), '%Y-%m-01') AS DATE) AS CohortMonth
    FROM bl_sale_summary GROUP BY CustomerId),
sizes AS (SELECT CohortMonth, COUNT(*) AS CohortSize FROM firsts GROUP BY CohortMonth),
activity AS (
  SELECT DISTINCT CustomerId, CAST(DATE_FORMAT(InvoiceDate, '%Y-%m-01') AS DATE) AS Month
    FROM bl_sale_summary)
SELECT f.CohortMonth,
       PERIOD_DIFF(DATE_FORMAT(a.Month, '%Y%m'), DATE_FORMAT(f.CohortMonth, '%Y%m')) AS MonthsSince,
       COUNT(*) AS ActiveCustomers, z.CohortSize,
       ROUND(100 * COUNT(*) / z.CohortSize, 2) AS RetentionPct
FROM activity a
JOIN firsts f ON f.CustomerId = a.CustomerId
JOIN sizes z ON z.CohortMonth = f.CohortMonth
GROUP BY f.CohortMonth, MonthsSince, z.CohortSize;
