-- aggregate_baselines: what the naive aggregate forecasts of the holdout
-- say (aggregateBaselines.ts), over the holdout's customers (the
-- training_snapshots rows of split 'holdout'), from the orders up to the
-- holdout cutoff $cutoff, with the horizon $horizon in days:
--   customers, actual_spend (their net spend in the horizon), observed_churn
--   (the share who did not buy in it);
--   last_spend, last_active: their net spend in (cutoff - H, cutoff] and the
--   share who bought in it ("the last horizon repeats");
--   ly_spend, ly_active: the same in (cutoff - 365, cutoff - 365 + H], the
--   same period last year; lyp_spend, lyp_active: in the horizon before it
--   (cutoff - 365 - H, cutoff - 365], for the trend;
--   first_order: the first order day of the whole table (a year of history or not).
WITH h AS (
  SELECT customer_id, CAST(future_spend AS DOUBLE) AS future_spend, churned FROM training_snapshots WHERE split = 'holdout'
), w AS (
  SELECT customer_id,
    sum(amount) FILTER (WHERE order_date > $cutoff - $horizon) AS last_spend,
    count(*) FILTER (WHERE amount >= 0 AND order_date > $cutoff - $horizon) > 0 AS last_active,
    sum(amount) FILTER (WHERE order_date > $cutoff - 365 AND order_date <= $cutoff - 365 + $horizon) AS ly_spend,
    count(*) FILTER (WHERE amount >= 0 AND order_date > $cutoff - 365 AND order_date <= $cutoff - 365 + $horizon) > 0 AS ly_active,
    sum(amount) FILTER (WHERE order_date > $cutoff - 365 - $horizon AND order_date <= $cutoff - 365) AS lyp_spend,
    count(*) FILTER (WHERE amount >= 0 AND order_date > $cutoff - 365 - $horizon AND order_date <= $cutoff - 365) > 0 AS lyp_active
  FROM orders WHERE order_date <= $cutoff AND customer_id IS NOT NULL GROUP BY customer_id
)
SELECT count(*) AS customers,
  coalesce(sum(h.future_spend), 0) AS actual_spend,
  coalesce(avg(CAST(h.churned AS DOUBLE)), 0) AS observed_churn,
  CAST(coalesce(sum(w.last_spend), 0) AS DOUBLE) AS last_spend,
  coalesce(avg(CAST(coalesce(w.last_active, false) AS DOUBLE)), 0) AS last_active,
  CAST(coalesce(sum(w.ly_spend), 0) AS DOUBLE) AS ly_spend,
  coalesce(avg(CAST(coalesce(w.ly_active, false) AS DOUBLE)), 0) AS ly_active,
  CAST(coalesce(sum(w.lyp_spend), 0) AS DOUBLE) AS lyp_spend,
  coalesce(avg(CAST(coalesce(w.lyp_active, false) AS DOUBLE)), 0) AS lyp_active,
  (SELECT CAST(min(order_date) AS VARCHAR) FROM orders) AS first_order
FROM h LEFT JOIN w USING (customer_id)
