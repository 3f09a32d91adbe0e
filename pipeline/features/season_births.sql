-- season_births: the first purchase days of the customers of the table
-- named by $source up to $calibration_end (guests excluded), and how many
-- customers bought first on each: what the short-history season
-- (features/btydSeason.ts, btyd/season.ts) sets each
-- month's repeat purchases against.
--   first_day (DATE), customers
WITH days AS (
  SELECT DISTINCT customer_id, order_date AS day FROM query_table($source)
  WHERE order_date <= $calibration_end AND amount >= 0 AND customer_id IS NOT NULL
)
SELECT first_day, count(*) AS customers
FROM (SELECT customer_id, min(day) AS first_day FROM days GROUP BY customer_id)
GROUP BY first_day ORDER BY first_day
