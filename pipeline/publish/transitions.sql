-- Movements since the previous run: the latest earlier run in customer_scores_history
-- (as_of on or before this run's), compared with customer_scores, customer by customer.
-- Columns: dimension (value_tier, segment, churn_risk, is_vip), previous, current, customers.
WITH previous_run AS (
  SELECT run_id FROM customer_scores_history
  WHERE as_of <= (SELECT max(as_of) FROM customer_scores) AND run_id <> $run_id
  ORDER BY as_of DESC, run_id DESC LIMIT 1
),
prev AS (SELECT * FROM customer_scores_history WHERE run_id = (SELECT run_id FROM previous_run)),
pairs AS (
  SELECT p.customer_id,
    CAST(p.value_tier AS VARCHAR) AS prev_tier, CAST(c.value_tier AS VARCHAR) AS cur_tier,
    p.segment AS prev_segment, c.segment AS cur_segment,
    p.churn_risk AS prev_risk, c.churn_risk AS cur_risk,
    CAST(p.is_vip AS VARCHAR) AS prev_vip, CAST(c.is_vip AS VARCHAR) AS cur_vip
  FROM prev p JOIN customer_scores c USING (customer_id)
)
SELECT 'value_tier' AS dimension, prev_tier AS previous, cur_tier AS current, count(*) AS customers FROM pairs GROUP BY ALL
UNION ALL SELECT 'segment', prev_segment, cur_segment, count(*) FROM pairs GROUP BY ALL
UNION ALL SELECT 'churn_risk', prev_risk, cur_risk, count(*) FROM pairs GROUP BY ALL
UNION ALL SELECT 'is_vip', prev_vip, cur_vip, count(*) FROM pairs GROUP BY ALL
ORDER BY dimension, previous, current
