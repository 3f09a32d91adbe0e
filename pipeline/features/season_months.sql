-- season_months: what the seasonal profile (features/btydSeason.ts, btyd/season.ts) is learnt from. One
-- row per whole calendar month of the history up to $calibration_end, from
-- the orders of the table named by $source: the repeat purchase days in it
-- (a customer's purchase days after their first, guests excluded) and the
-- customers acquired before it began (the exposure).
--   month (DATE, its first day), month_of_year (1..12), days, repeat_days, exposure
WITH days AS (
  SELECT DISTINCT customer_id, order_date AS day FROM query_table($source)
  WHERE order_date <= $calibration_end AND amount >= 0 AND customer_id IS NOT NULL
), firsts AS (
  SELECT customer_id, min(day) AS first_day FROM days GROUP BY customer_id
), span AS (
  -- The first month that the history covers from its first day, to the last that ends by $calibration_end.
  SELECT
    CASE WHEN day(min(first_day)) = 1 THEN min(first_day) ELSE CAST(date_trunc('month', min(first_day)) + INTERVAL 1 MONTH AS DATE) END AS first_month,
    CAST(date_trunc('month', CAST($calibration_end AS DATE) + 1) AS DATE) AS end_month
  FROM firsts
), months AS (
  SELECT CAST(m AS DATE) AS month FROM span, generate_series(span.first_month, span.end_month - INTERVAL 1 MONTH, INTERVAL 1 MONTH) AS g(m)
  WHERE span.first_month < span.end_month
), repeats AS (
  SELECT CAST(date_trunc('month', d.day) AS DATE) AS month, count(*) AS repeat_days
  FROM days d JOIN firsts f USING (customer_id) WHERE d.day > f.first_day GROUP BY ALL
), acquired AS (
  SELECT m.month, count(f.customer_id) AS exposure FROM months m LEFT JOIN firsts f ON f.first_day < m.month GROUP BY m.month
)
SELECT m.month, month(m.month) AS month_of_year, CAST(last_day(m.month) - m.month + 1 AS INTEGER) AS days,
  coalesce(r.repeat_days, 0) AS repeat_days, a.exposure
FROM months m JOIN acquired a USING (month) LEFT JOIN repeats r USING (month)
ORDER BY m.month
