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
),
-- The four dimensions' counts in one aggregate over the pairs (grouping sets: one pass, not the pairs kept for four).
counted AS (
  SELECT prev_tier, cur_tier, prev_segment, cur_segment, prev_risk, cur_risk, prev_vip, cur_vip,
    GROUPING(prev_tier) = 0 AS by_tier, GROUPING(prev_segment) = 0 AS by_segment, GROUPING(prev_risk) = 0 AS by_risk,
    count(*) AS customers
  FROM pairs
  GROUP BY GROUPING SETS ((prev_tier, cur_tier), (prev_segment, cur_segment), (prev_risk, cur_risk), (prev_vip, cur_vip))
)
SELECT CASE WHEN by_tier THEN 'value_tier' WHEN by_segment THEN 'segment' WHEN by_risk THEN 'churn_risk' ELSE 'is_vip' END AS dimension,
  CASE WHEN by_tier THEN prev_tier WHEN by_segment THEN prev_segment WHEN by_risk THEN prev_risk ELSE prev_vip END AS previous,
  CASE WHEN by_tier THEN cur_tier WHEN by_segment THEN cur_segment WHEN by_risk THEN cur_risk ELSE cur_vip END AS current,
  customers
FROM counted
ORDER BY dimension, previous, current
