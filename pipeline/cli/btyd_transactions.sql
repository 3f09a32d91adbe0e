-- The btyd command's transactions (table tx: customer_id, order_date, amount)
-- from a CSV of customer_id,date,amount read as text: dates as YYYY-MM-DD or
-- YYYYMMDD; NULL where a value cannot be read (counted and refused).
SELECT CAST(customer_id AS VARCHAR) AS customer_id,
  coalesce(TRY_CAST(CAST(date AS VARCHAR) AS DATE), CAST(TRY_STRPTIME(CAST(date AS VARCHAR), '%Y%m%d') AS DATE)) AS order_date,
  CAST(amount AS DECIMAL(18, 4)) AS amount
FROM read_csv($path, header = true, all_varchar = true)
