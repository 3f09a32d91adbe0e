-- The report's headline figures over customer_scores: customers, VIPs, VIPs
-- at medium or high churn risk given save or win_back (the at-risk VIPs of fidelio list at-risk-vip, contacted or
-- not: those who bought within half their usual gap are given surprise, too recent to be at risk), value at risk,
-- 12-month CLV, mean churn probability.
SELECT count(*) AS customers,
  count(*) FILTER (WHERE is_vip) AS vips,
  count(*) FILTER (WHERE is_vip AND churn_risk <> 'low' AND action IN ('save', 'win_back')) AS vips_at_risk,
  sum(value_at_risk ORDER BY customer_id) AS value_at_risk,
  sum(predicted_clv_12m ORDER BY customer_id) AS clv,
  avg(churn_probability ORDER BY customer_id) AS mean_churn
FROM customer_scores
