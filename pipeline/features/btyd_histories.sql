-- btyd_histories: the BTYD history of each customer of customer_features
-- at its as_of, the x, t_x and T of btyd_summary.sql at the same date
-- (Fader, Hardie & Lee's conventions, in units of $unit_days days), read
-- from the purchase days customer_features already aggregated instead of
-- another pass over the orders.
--
--   x     repeat purchase days: distinct days with a purchase, the first excluded
--   t_x   time of the last purchase day since the first
--   T     time from the first purchase day to as_of
--
-- customer_features holds exactly the customers with a purchase on or
-- before as_of (btyd_summary.sql's), one row each, in customer order: read
-- in its stored order (rowid), which btyd_features pairs the figures of
-- these histories with (btydFeaturesView.ts).
SELECT customer_id,
  purchase_days - 1 AS x,
  (last_order_date - first_order_date) / $unit_days AS t_x,
  (as_of - first_order_date) / $unit_days AS "T"
FROM customer_features
ORDER BY rowid
