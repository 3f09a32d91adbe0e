-- training_snapshots (one cutoff's rows): the features as of the cutoff
-- $as_of (the table named by $features, built by customer_features.sql at
-- that cutoff) with what each customer did in the horizon after it,
-- (as_of, as_of + $horizon], from the orders of the table named by $orders:
--
--   split           'train' or 'holdout' (the latest full horizon, kept for backtesting)
--   future_orders   purchases (amount >= 0) in the horizon
--   future_spend    net spend in the horizon (refunds issued in it deducted)
--   churned         true when future_orders = 0
--
-- The labels read rows after the cutoff by design; the features never do.
SELECT f.*, CAST($split AS VARCHAR) AS split,
  coalesce(l.future_orders, 0) AS future_orders,
  coalesce(l.future_spend, 0) AS future_spend,
  coalesce(l.future_orders, 0) = 0 AS churned
FROM query_table($features) f
LEFT JOIN (
  SELECT customer_id,
    count(*) FILTER (WHERE amount >= 0) AS future_orders,
    sum(amount) AS future_spend
  FROM query_table($orders)
  WHERE order_date > $as_of AND order_date <= $as_of + $horizon
  GROUP BY customer_id
) l USING (customer_id)
