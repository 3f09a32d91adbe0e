-- action_effects: what each run's actions did. For every run in
-- customer_scores_history, and this run ($run_id, from customer_scores),
-- and every action it gave, the customers contacted
-- against that action's control group (chosen by a seeded hash, never
-- contacted), over the run's own horizon (as_of, as_of + horizon_days].
-- Outcomes come from the orders known now, so a run is measured once its
-- horizon has passed by this run's as_of ($as_of).
--
--   status                 measured; horizon_not_passed (measurable_from is later than $as_of);
--                          too_few_customers (fewer than $min_group contacted or controls)
--   contacted, controls    the customers behind the figures
--   retention_*            share who bought in the horizon (an order, not a refund: the churn labels' purchase)
--   retention_uplift       contacted minus control, in points of share; _low/_high: the 90%
--                          interval of the difference of two proportions (Agresti-Caffo)
--   (a run republished on the same as_of replaces the earlier: only the latest run of each as_of is measured)
--   spend_*                net spend per customer in the horizon (refunds deducted)
--   spend_uplift           contacted minus control per customer; 90% interval by Welch's
--                          normal approximation
--   net_value_per_contact  $margin x spend_uplift - $cost_per_action (its interval from spend's)
--   net_value_total        net_value_per_contact x contacted
--   save_rate              the share of the control group's churn the action prevented:
--                          retention_uplift / (1 - retention_control), the measured
--                          counterpart of scoring.budget.saveRate (_low/_high from the uplift's)
-- Only measured rows carry figures; the others carry their counts and dates.
WITH contacts AS (
  SELECT run_id, as_of, coalesce(horizon_days, $horizon) AS horizon_days, customer_id, action, contact, is_control
  FROM customer_scores_history
  WHERE action <> 'none' AND (contact OR is_control) AND run_id <> $run_id
  UNION ALL
  -- this run's contacts, recorded in the history when it publishes (left out when the
  -- score stage reads the measured rates before this run has scored: $with_this_run false)
  SELECT CAST($run_id AS VARCHAR), CAST(as_of AS DATE), $horizon, customer_id, action, contact, is_control
  FROM customer_scores
  WHERE $with_this_run AND action <> 'none' AND (contact OR is_control)
),
-- A run republished on the same as-of replaces the earlier one's contacts: the latest publication is
-- what marketing worked from (run ids start with their UTC start time, so the greatest is the latest).
latest AS (
  SELECT as_of, max(run_id) AS run_id FROM contacts GROUP BY as_of
),
outcomes AS (
  SELECT c.run_id, c.as_of, c.horizon_days, c.action, c.contact, c.is_control,
    coalesce(sum(o.amount), 0) AS spend,
    CASE WHEN count(o.order_id) FILTER (WHERE o.amount >= 0) > 0 THEN 1.0 ELSE 0.0 END AS retained
  FROM contacts c
  JOIN latest USING (run_id, as_of)
  LEFT JOIN orders o ON o.customer_id = c.customer_id AND o.order_date > c.as_of AND o.order_date <= c.as_of + c.horizon_days
  GROUP BY c.run_id, c.as_of, c.horizon_days, c.customer_id, c.action, c.contact, c.is_control
),
grouped AS (
  SELECT run_id, as_of, action, max(horizon_days) AS horizon_days,
    count(*) FILTER (WHERE contact) AS contacted,
    count(*) FILTER (WHERE is_control) AS controls,
    avg(retained) FILTER (WHERE contact) AS r1,
    avg(retained) FILTER (WHERE is_control) AS r0,
    avg(CAST(spend AS DOUBLE)) FILTER (WHERE contact) AS m1,
    avg(CAST(spend AS DOUBLE)) FILTER (WHERE is_control) AS m0,
    coalesce(var_samp(CAST(spend AS DOUBLE)) FILTER (WHERE contact), 0) AS v1,
    coalesce(var_samp(CAST(spend AS DOUBLE)) FILTER (WHERE is_control), 0) AS v0,
    (sum(retained) FILTER (WHERE contact) + 1) / (count(*) FILTER (WHERE contact) + 2) AS a1,
    (sum(retained) FILTER (WHERE is_control) + 1) / (count(*) FILTER (WHERE is_control) + 2) AS a0
  FROM outcomes
  GROUP BY run_id, as_of, action
),
judged AS (
  SELECT *,
    CAST(as_of + horizon_days AS DATE) AS measurable_from,
    CASE
      WHEN as_of + horizon_days > CAST($as_of AS DATE) THEN 'horizon_not_passed'
      WHEN contacted < $min_group OR controls < $min_group THEN 'too_few_customers'
      ELSE 'measured'
    END AS status,
    -- Agresti-Caffo: one success and one failure added to each side, so that shares of 0 or 1 keep a width
    1.6448536269514722 * sqrt(a1 * (1 - a1) / (contacted + 2) + a0 * (1 - a0) / (controls + 2)) AS r_half,
    1.6448536269514722 * sqrt(v1 / nullif(contacted, 0) + v0 / nullif(controls, 0)) AS m_half
  FROM grouped
),
measured AS (
  SELECT *, status = 'measured' AS ok FROM judged
)
SELECT run_id, CAST(as_of AS DATE) AS as_of, action, horizon_days, measurable_from, status, contacted, controls,
  CASE WHEN ok THEN r1 END AS retention_contacted,
  CASE WHEN ok THEN r0 END AS retention_control,
  CASE WHEN ok THEN r1 - r0 END AS retention_uplift,
  CASE WHEN ok THEN r1 - r0 - r_half END AS retention_uplift_low,
  CASE WHEN ok THEN r1 - r0 + r_half END AS retention_uplift_high,
  CASE WHEN ok THEN m1 END AS spend_contacted,
  CASE WHEN ok THEN m0 END AS spend_control,
  CASE WHEN ok THEN m1 - m0 END AS spend_uplift,
  CASE WHEN ok THEN m1 - m0 - m_half END AS spend_uplift_low,
  CASE WHEN ok THEN m1 - m0 + m_half END AS spend_uplift_high,
  CASE WHEN ok THEN $margin * (m1 - m0) - $cost_per_action END AS net_value_per_contact,
  CASE WHEN ok THEN $margin * (m1 - m0 - m_half) - $cost_per_action END AS net_value_per_contact_low,
  CASE WHEN ok THEN $margin * (m1 - m0 + m_half) - $cost_per_action END AS net_value_per_contact_high,
  CASE WHEN ok THEN ($margin * (m1 - m0) - $cost_per_action) * contacted END AS net_value_total,
  CASE WHEN ok AND r0 < 1 THEN (r1 - r0) / (1 - r0) END AS save_rate,
  CASE WHEN ok AND r0 < 1 THEN (r1 - r0 - r_half) / (1 - r0) END AS save_rate_low,
  CASE WHEN ok AND r0 < 1 THEN (r1 - r0 + r_half) / (1 - r0) END AS save_rate_high
FROM measured
ORDER BY as_of DESC, run_id DESC, action
