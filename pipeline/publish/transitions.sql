-- Movements since the previous run ($previous_run of $previous_as_of, report_previous_run.sql:
-- the latest earlier run in customer_scores_history), compared with customer_scores, customer by
-- customer; no row without one. Its rows are found by their as-of too, which the history's
-- row groups are ordered by (each run's rows are appended together): read without the others.
-- Columns: dimension (value_tier, segment, churn_risk, is_vip), previous, current, customers.
WITH prev AS (SELECT * FROM customer_scores_history WHERE run_id = $previous_run AND as_of = CAST($previous_as_of AS DATE)),
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
