-- value_scores when the network is the value champion: its horizon spend
-- (neural_scores.predicted_value), and a 12-month CLV that keeps the BTYD
-- model's time profile: the network's spend x the customer's BTYD ratio of
-- 12-month CLV to horizon spend (btyd_scores), the base's median ratio where
-- that ratio is undefined (a BTYD spend of ~0). The p10/p90 bounds scale by
-- BTYD's own interval ratios. The median is over everyone: computed once.
WITH r AS (
  SELECT customer_id, clv_12m / nullif(expected_spend, 0) AS ratio,
    clv_12m_p10 / nullif(clv_12m, 0) AS low, clv_12m_p90 / nullif(clv_12m, 0) AS high
  FROM btyd_scores
), m AS (SELECT median(ratio) AS ratio FROM r WHERE ratio IS NOT NULL AND isfinite(ratio))
SELECT n.customer_id, n.predicted_value,
  n.predicted_value * coalesce(CASE WHEN isfinite(r.ratio) THEN r.ratio END, m.ratio) AS predicted_clv_12m,
  n.predicted_value * coalesce(CASE WHEN isfinite(r.ratio) THEN r.ratio END, m.ratio) * r.low AS predicted_clv_12m_p10,
  n.predicted_value * coalesce(CASE WHEN isfinite(r.ratio) THEN r.ratio END, m.ratio) * r.high AS predicted_clv_12m_p90
FROM neural_scores n LEFT JOIN r USING (customer_id) CROSS JOIN m
