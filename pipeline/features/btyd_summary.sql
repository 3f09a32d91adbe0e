-- btyd summary: one row per customer with a purchase on or before
-- $calibration_end, in the literature's conventions (Fader, Hardie & Lee),
-- from the orders of the table named by $source (customer_id, order_date,
-- amount; negative amounts are refunds), in units of $unit_days days:
--
--   x                   repeat purchase days: distinct days with a purchase
--                       (amount >= 0), the first excluded
--   t_x                 time of the last purchase day since the first
--   T                   time from the first purchase day to $calibration_end
--   mean_repeat_value   (purchases on repeat days + refunds issued after the
--                       first purchase day) / x; NULL when x = 0. It can be
--                       zero or negative (a customer who returned what they
--                       bought); such customers are left out of the spend fit.
--
-- Rows after $calibration_end are never read, nor guest orders (no customer_id).
WITH rows AS (
  SELECT customer_id, order_date AS day, amount FROM query_table($source) WHERE order_date <= $calibration_end AND customer_id IS NOT NULL
), d AS (
  SELECT customer_id, day, sum(amount) AS amount FROM rows WHERE amount >= 0 GROUP BY customer_id, day
), f AS (
  SELECT customer_id, min(day) AS first_day FROM d GROUP BY customer_id
), refunds AS (
  SELECT r.customer_id, sum(r.amount) AS refunded
  FROM rows r JOIN f USING (customer_id) WHERE r.amount < 0 AND r.day > f.first_day GROUP BY r.customer_id
)
SELECT d.customer_id,
  count(*) - 1 AS x,
  (max(d.day) - f.first_day) / $unit_days AS t_x,
  ($calibration_end - f.first_day) / $unit_days AS "T",
  -- amounts are DECIMAL: their exact sums keep the mean the same whatever the threads' order
  CAST((sum(d.amount) FILTER (WHERE d.day > f.first_day) + coalesce(any_value(rf.refunded), 0)) / nullif(count(*) - 1, 0) AS DOUBLE) AS mean_repeat_value
FROM d JOIN f USING (customer_id) LEFT JOIN refunds rf USING (customer_id)
GROUP BY d.customer_id, f.first_day
ORDER BY d.customer_id
