-- season_cohorts: the repeat purchase days of each cohort (the customers
-- whose first purchase fell in one sixth of a calendar month: days 1-5,
-- 6-10, ..., 26 on) in each calendar
-- month, from the orders of the table named by $source up to
-- $calibration_end (guests excluded): what the short-history season
-- (features/btydSeason.ts, btyd/season.ts) learns each cohort's own level from.
--   cohort (DATE, the first day of its month), part (0 to 5: its sixth), month (DATE, its first day), repeat_days
WITH days AS (
  SELECT DISTINCT customer_id, order_date AS day FROM query_table($source)
  WHERE order_date <= $calibration_end AND amount >= 0 AND customer_id IS NOT NULL
), firsts AS (
  SELECT customer_id, min(day) AS first_day FROM days GROUP BY customer_id
)
SELECT CAST(date_trunc('month', f.first_day) AS DATE) AS cohort, least(5, (day(f.first_day) - 1) // 5) AS part, CAST(date_trunc('month', d.day) AS DATE) AS month, count(*) AS repeat_days
FROM days d JOIN firsts f USING (customer_id)
WHERE d.day > f.first_day
GROUP BY ALL ORDER BY cohort, month
