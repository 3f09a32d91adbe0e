-- btyd summaries at several cutoffs: for every cutoff of the table named by
-- $cutoffs (position INTEGER, as_of DATE), the rows btyd_summary.sql gives
-- with $calibration_end = that cutoff (the same x, t_x, T and
-- mean_repeat_value; tests/features/btydFeatures.test.ts holds the two
-- equal), from the orders of the table named by $source, in units of
-- $unit_days days, in one pass: each customer's purchase days and first
-- purchase day do not depend on the cutoff (a cutoff keeps whole days, and a
-- customer is in a cutoff's rows once the first purchase day is on or before
-- it), so they are computed once and joined with the cutoffs. Rows come out
-- by the cutoffs' position, then customer_id; guest orders are never read.
WITH cut AS (
  SELECT position, as_of FROM query_table($cutoffs)
),
rows AS (
  SELECT customer_id, order_date AS day, amount FROM query_table($source)
  WHERE order_date <= (SELECT max(as_of) FROM cut) AND customer_id IS NOT NULL
),
d AS (
  SELECT customer_id, day, sum(amount) AS amount FROM rows WHERE amount >= 0 GROUP BY customer_id, day
),
f AS (
  SELECT customer_id, min(day) AS first_day FROM d GROUP BY customer_id
),
-- Refunds after the first purchase day, summed per day: a cutoff takes the days on or before it.
refund_days AS (
  SELECT r.customer_id, r.day, sum(r.amount) AS refunded
  FROM rows r JOIN f USING (customer_id) WHERE r.amount < 0 AND r.day > f.first_day GROUP BY r.customer_id, r.day
),
refunds AS (
  SELECT c.position, r.customer_id, sum(r.refunded) AS refunded
  FROM refund_days r JOIN cut c ON r.day <= c.as_of GROUP BY c.position, r.customer_id
)
SELECT c.position, d.customer_id,
  count(*) - 1 AS x,
  (max(d.day) - f.first_day) / $unit_days AS t_x,
  (c.as_of - f.first_day) / $unit_days AS "T",
  -- amounts are DECIMAL: their exact sums keep the mean the same whatever the threads' order
  CAST((sum(d.amount) FILTER (WHERE d.day > f.first_day) + coalesce(any_value(rf.refunded), 0)) / nullif(count(*) - 1, 0) AS DOUBLE) AS mean_repeat_value
FROM d JOIN f USING (customer_id) JOIN cut c ON d.day <= c.as_of
LEFT JOIN refunds rf ON rf.position = c.position AND rf.customer_id = d.customer_id
GROUP BY c.position, c.as_of, d.customer_id, f.first_day
ORDER BY c.position, d.customer_id
