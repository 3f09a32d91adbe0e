-- kpis_by_group: the same business figures per value tier and per segment (this run's
-- membership), from the run's scores and customer_features (at the same as-of).
--   dimension ('value_tier' or 'segment'), grp, customers, share_of_customers,
--   revenue_12m (net, the 12 months to as_of: customer_features' spend_365d, each customer's
--   orders in the 365 days to as-of summed exactly as a pass over the orders would),
--   share_of_revenue_12m, historic_value,
--   active_90d (a purchase in the last 90 days), vips, mean_churn_probability,
--   predicted_clv_12m, value_at_risk
-- Sums of DOUBLE columns are taken in customer order, so that the figures
-- are the same bytes on every run (a parallel sum adds in any order).
WITH s AS (
  SELECT c.*, coalesce(f.spend_365d, 0) AS revenue_12m FROM customer_scores c LEFT JOIN customer_features f USING (customer_id)
),
long AS (
  SELECT 'value_tier' AS dimension, CAST(value_tier AS VARCHAR) AS grp, * FROM s
  UNION ALL
  SELECT 'segment', segment, * FROM s
)
SELECT dimension, grp,
  count(*) AS customers,
  count(*) / sum(count(*)) OVER (PARTITION BY dimension) AS share_of_customers,
  sum(revenue_12m) AS revenue_12m,
  sum(revenue_12m) / nullif(sum(sum(revenue_12m)) OVER (PARTITION BY dimension), 0) AS share_of_revenue_12m,
  sum(historic_value ORDER BY customer_id) AS historic_value,
  count(*) FILTER (WHERE days_since_last_order < 90) AS active_90d,
  count(*) FILTER (WHERE is_vip) AS vips,
  avg(churn_probability ORDER BY customer_id) AS mean_churn_probability,
  sum(predicted_clv_12m ORDER BY customer_id) AS predicted_clv_12m,
  sum(value_at_risk ORDER BY customer_id) AS value_at_risk
FROM long GROUP BY dimension, grp
ORDER BY dimension, grp
