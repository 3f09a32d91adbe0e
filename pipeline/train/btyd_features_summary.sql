-- btyd_features_summary: the rows of btyd_summary.sql at $as_of (customer_features'
-- own as-of) for every customer of customer_features, in units of $unit_days days,
-- with x, t_x and T read from the purchase days customer_features already
-- aggregated (as btyd_histories.sql does), and the repeat value from its purchases
-- after the first day with the refund rows of the orders:
--
--   x                   purchase_days - 1: repeat purchase days
--   t_x                 last purchase day - first purchase day
--   T                   $as_of - first purchase day
--   mean_repeat_value   the purchases dated after the first purchase day
--                       (customer_features' repeat_purchase_spend) and the refunds
--                       dated after it (customer_features' repeat_refunds; from the
--                       orders' refund rows for the few customers it leaves NULL, with
--                       a refund on or before their first purchase day), summed, over
--                       x; NULL when x = 0. btyd_summary.sql sums the purchases of the
--                       repeat days and the refunds after the first day apart and adds
--                       them, as here: exact DECIMAL sums, the same number.
--
-- customer_features holds exactly the customers with a purchase on or before
-- $as_of (btyd_summary.sql's), first_order_date and last_order_date their first
-- and last purchase day. Guest orders (no customer_id) join no customer.
WITH f AS (
  SELECT customer_id, first_order_date, purchase_days - 1 AS x,
    (last_order_date - first_order_date) / $unit_days AS t_x,
    ($as_of - first_order_date) / $unit_days AS "T",
    repeat_purchase_spend, /*repeat_refunds*/repeat_refunds
  FROM customer_features
),
-- the orders' refunds after the first purchase day, for the customers customer_features could not sum them for
-- (none, most days: then the orders are read for nothing but their scan, a third of summing everyone's)
refunds AS (
  SELECT o.customer_id, sum(o.amount) AS refunded
  FROM orders o JOIN (SELECT customer_id, first_order_date FROM f WHERE repeat_refunds IS NULL) f USING (customer_id)
  WHERE o.amount < 0 AND o.order_date > f.first_order_date AND o.order_date <= $as_of
  GROUP BY o.customer_id
)
SELECT f.customer_id, f.x, f.t_x, f."T",
  CAST((f.repeat_purchase_spend + coalesce(f.repeat_refunds, r.refunded, 0)) / nullif(f.x, 0) AS DOUBLE) AS mean_repeat_value
FROM f LEFT JOIN refunds r USING (customer_id)
