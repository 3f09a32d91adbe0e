-- action_effects: what each run's actions did. For every run in
-- customer_scores_history ($with_history), and this run ($run_id, from customer_scores, $with_this_run),
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
--   (the columns above compare the customers the run proposed, whether or not marketing reached them:
--   the effect of being proposed, intention to treat)
--   breakdown, group_name  'all' (one row per run and action, group_name 'all'); 'persona' and
--                          'churn_risk' (one row per persona, or per churn-risk band, as published
--                          with the contact; '(none)' where it had none): the same figures within the group
--   reached                the proposed whom recorded_contacts holds as contacted for this action (or
--                          with no action named) between the run's as-of and the end of its horizon
--   contact_rate           reached / contacted; empty when no contact of the run's action is recorded
--   retention_uplift_on_contacted  the effect on those reached: retention_uplift / contact_rate (the
--                          complier adjustment: the unreached proposed were told nothing); _low/_high by the
--                          delta method with the contact rate's own binomial variance
--   retention_uplift_adjusted  regression adjustment on the churn score each customer started from
--                          (churn_probability as published): each side's mean retention moved to the
--                          group's mean score along that side's own least-squares line (Lin's estimator);
--                          _low/_high from the sides' residual variances
--   interval_narrowing     1 - the adjusted interval's width / the unadjusted normal interval's width
--   retention_uplift_shrunk  group rows: the group's uplift shrunk toward the action's overall uplift
--                          (empirical Bayes: weight tau2 / (tau2 + se2), tau2 the spread of the groups'
--                          uplifts around the overall beyond their own noise); _low/_high the shrunk
--                          estimate's 90% interval; given for every group with 2 or more on each side
-- Only measured rows carry figures (a group row below $min_group carries its shrunk uplift); the others
-- carry their counts and dates.
WITH contacts AS (
  SELECT run_id, as_of, coalesce(horizon_days, $horizon) AS horizon_days, customer_id, action, contact, is_control,
    churn_probability, churn_risk, persona
  FROM customer_scores_history
  WHERE $with_history AND action <> 'none' AND (contact OR is_control) AND run_id <> $run_id
  UNION ALL
  -- this run's contacts, recorded in the history when it publishes (left out when the
  -- score stage reads the measured rates before this run has scored: $with_this_run false)
  SELECT CAST($run_id AS VARCHAR), CAST(as_of AS DATE), $horizon, customer_id, action, contact, is_control,
    churn_probability, churn_risk, persona
  FROM customer_scores /* this run's scores */
  WHERE $with_this_run AND action <> 'none' AND (contact OR is_control)
),
-- A run republished on the same as-of replaces the earlier one's contacts: the latest publication is
-- what marketing worked from (run ids start with their UTC start time, so the greatest is the latest).
latest AS (
  SELECT as_of, max(run_id) AS run_id FROM contacts GROUP BY as_of
),
-- Whom marketing reached: a proposed customer with a recorded contact of this action (or of none named)
-- from the run's as-of to the end of its horizon.
reached AS (
  SELECT DISTINCT c.run_id, c.as_of, c.customer_id, c.action
  FROM contacts c
  JOIN latest USING (run_id, as_of)
  JOIN recorded_contacts rc ON rc.customer_id = c.customer_id AND (rc.action = c.action OR rc.action IS NULL)
    AND rc.contacted_on >= c.as_of AND rc.contacted_on <= c.as_of + c.horizon_days
  WHERE c.contact
),
-- What each proposed customer bought over their run's horizon, for the runs whose horizon has passed (the others
-- carry their counts and dates alone): the orders of the horizons' span only, each run's proposed joined once.
measurable AS (
  SELECT c.run_id, c.as_of, c.horizon_days, c.customer_id, c.action
  FROM contacts c
  JOIN latest USING (run_id, as_of)
  WHERE c.as_of + c.horizon_days <= CAST($as_of AS DATE)
),
bought AS (
  SELECT m.run_id, m.as_of, m.customer_id, m.action, sum(o.amount) AS spend,
    count(o.order_id) FILTER (WHERE o.amount >= 0) AS purchases
  FROM measurable m
  JOIN orders o ON o.customer_id = m.customer_id AND o.order_date > m.as_of AND o.order_date <= m.as_of + m.horizon_days
  WHERE o.order_date > (SELECT min(as_of) FROM measurable) AND o.order_date <= (SELECT max(as_of + horizon_days) FROM measurable)
  GROUP BY m.run_id, m.as_of, m.customer_id, m.action
),
outcomes AS (
  SELECT c.run_id, c.as_of, c.horizon_days, c.action, c.contact, c.is_control,
    coalesce(c.persona, '(none)') AS persona, coalesce(c.churn_risk, '(none)') AS churn_risk,
    r.customer_id IS NOT NULL AS reached,
    CASE WHEN b.purchases > 0 THEN 1.0 ELSE 0.0 END AS retained,
    -- in whole numbers, for sums that come out the same whatever order the rows are added in (so the same bytes on
    -- every run): the spend in cents, the score in units of 1e-12, retention as 0 or 1
    CAST(round(coalesce(b.spend, 0) * 100) AS HUGEINT) AS cents,
    CAST(round(CASE WHEN isfinite(c.churn_probability) THEN CAST(c.churn_probability AS DOUBLE) ELSE 0 END * 1e12) AS HUGEINT) AS xi,
    CASE WHEN b.purchases > 0 THEN 1 ELSE 0 END AS y
  FROM contacts c
  JOIN latest USING (run_id, as_of)
  LEFT JOIN reached r ON r.run_id = c.run_id AND r.as_of = c.as_of AND r.customer_id = c.customer_id AND r.action = c.action
  LEFT JOIN bought b ON b.run_id = c.run_id AND b.as_of = c.as_of AND b.customer_id = c.customer_id AND b.action = c.action
),
sums AS (
  SELECT run_id, as_of, action,
    CASE WHEN GROUPING(persona) = 0 THEN 'persona' WHEN GROUPING(churn_risk) = 0 THEN 'churn_risk' ELSE 'all' END AS breakdown,
    CASE WHEN GROUPING(persona) = 0 THEN persona WHEN GROUPING(churn_risk) = 0 THEN churn_risk ELSE 'all' END AS group_name,
    max(horizon_days) AS horizon_days,
    count(*) FILTER (WHERE contact) AS contacted,
    count(*) FILTER (WHERE is_control) AS controls,
    count(*) FILTER (WHERE contact AND reached) AS reached,
    avg(retained) FILTER (WHERE contact) AS r1,
    avg(retained) FILTER (WHERE is_control) AS r0,
    (sum(retained) FILTER (WHERE contact) + 1) / (count(*) FILTER (WHERE contact) + 2) AS a1,
    (sum(retained) FILTER (WHERE is_control) + 1) / (count(*) FILTER (WHERE is_control) + 2) AS a0,
    sum(cents) FILTER (WHERE contact) AS c1, sum(cents * cents) FILTER (WHERE contact) AS cc1,
    sum(cents) FILTER (WHERE is_control) AS c0, sum(cents * cents) FILTER (WHERE is_control) AS cc0,
    -- for the regression adjustment: each side's score, its square and its product with retention
    sum(xi) FILTER (WHERE contact OR is_control) AS xs,
    sum(xi) FILTER (WHERE contact) AS x1s, sum(xi * xi) FILTER (WHERE contact) AS xx1, sum(xi * y) FILTER (WHERE contact) AS xy1, sum(y) FILTER (WHERE contact) AS y1,
    sum(xi) FILTER (WHERE is_control) AS x0s, sum(xi * xi) FILTER (WHERE is_control) AS xx0, sum(xi * y) FILTER (WHERE is_control) AS xy0, sum(y) FILTER (WHERE is_control) AS y0
  FROM outcomes
  GROUP BY GROUPING SETS ((run_id, as_of, action), (run_id, as_of, action, persona), (run_id, as_of, action, churn_risk))
),
-- Means, variances and covariances from the exact sums (spend's sample variance, the score's population ones).
grouped AS (
  SELECT run_id, as_of, action, breakdown, group_name, horizon_days, contacted, controls, reached, r1, r0,
    CAST(c1 AS DOUBLE) / 100 / nullif(contacted, 0) AS m1,
    CAST(c0 AS DOUBLE) / 100 / nullif(controls, 0) AS m0,
    -- (n x the sum of squares - the squared sum, exact while it fits a HUGEINT, as it does for any real shop's
    -- spends; beyond, from the exact sums as DOUBLE, never below 0)
    coalesce(CASE WHEN cc1 < CAST(1e30 AS HUGEINT) THEN CAST(contacted * cc1 - c1 * c1 AS DOUBLE)
      ELSE greatest(CAST(cc1 AS DOUBLE) * contacted - CAST(c1 AS DOUBLE) ^ 2, 0) END / nullif(contacted * (contacted - 1), 0) / 10000, 0) AS v1,
    coalesce(CASE WHEN cc0 < CAST(1e30 AS HUGEINT) THEN CAST(controls * cc0 - c0 * c0 AS DOUBLE)
      ELSE greatest(CAST(cc0 AS DOUBLE) * controls - CAST(c0 AS DOUBLE) ^ 2, 0) END / nullif(controls * (controls - 1), 0) / 10000, 0) AS v0,
    a1, a0,
    CAST(xs AS DOUBLE) / 1e12 / nullif(contacted + controls, 0) AS x_all,
    CAST(x1s AS DOUBLE) / 1e12 / nullif(contacted, 0) AS x1,
    CAST(x0s AS DOUBLE) / 1e12 / nullif(controls, 0) AS x0,
    coalesce(greatest(CAST(xx1 AS DOUBLE) / contacted - (CAST(x1s AS DOUBLE) / contacted) ^ 2, 0) / 1e24, 0) AS sxx1,
    coalesce(greatest(CAST(xx0 AS DOUBLE) / controls - (CAST(x0s AS DOUBLE) / controls) ^ 2, 0) / 1e24, 0) AS sxx0,
    coalesce((CAST(xy1 AS DOUBLE) / contacted - CAST(x1s AS DOUBLE) / contacted * CAST(y1 AS DOUBLE) / contacted) / 1e12, 0) AS sxy1,
    coalesce((CAST(xy0 AS DOUBLE) / controls - CAST(x0s AS DOUBLE) / controls * CAST(y0 AS DOUBLE) / controls) / 1e12, 0) AS sxy0
  FROM sums
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
    1.6448536269514722 * sqrt(v1 / nullif(contacted, 0) + v0 / nullif(controls, 0)) AS m_half,
    -- each side's least-squares slope of retention on the score (none where the score does not vary)
    -- (a score that does not vary leaves rounding alone in its variance: below 1e-13, scores alike to 3e-7)
    CASE WHEN sxx1 > 1e-13 THEN sxy1 / sxx1 ELSE 0 END AS b1,
    CASE WHEN sxx0 > 1e-13 THEN sxy0 / sxx0 ELSE 0 END AS b0,
    reached / nullif(contacted, 0) AS c_rate,
    max(reached) OVER (PARTITION BY run_id, as_of, action) > 0 AS any_reached
  FROM grouped
),
adjusted AS (
  SELECT *,
    r1 + b1 * (x_all - x1) - (r0 + b0 * (x_all - x0)) AS adj,
    -- residual variances (n - 2 degrees of freedom) over each side's count; the unadjusted counterpart (n - 1)
    1.6448536269514722 * sqrt(
      greatest(r1 * (1 - r1) - b1 * sxy1, 0) * contacted / nullif(contacted - 2, 0) / nullif(contacted, 0)
      + greatest(r0 * (1 - r0) - b0 * sxy0, 0) * controls / nullif(controls - 2, 0) / nullif(controls, 0)) AS adj_half,
    1.6448536269514722 * sqrt(
      r1 * (1 - r1) * contacted / nullif(contacted - 1, 0) / nullif(contacted, 0)
      + r0 * (1 - r0) * controls / nullif(controls - 1, 0) / nullif(controls, 0)) AS plain_half
  FROM judged
),
-- The spread of the groups' uplifts around the action's overall uplift beyond their sampling noise
-- (method of moments, never below zero), per run, action and breakdown.
spread AS (
  SELECT g.run_id, g.as_of, g.action, g.breakdown,
    greatest(avg(((g.r1 - g.r0) - (a.r1 - a.r0)) ^ 2) - avg((g.r_half / 1.6448536269514722) ^ 2), 0) AS tau2
  FROM adjusted g
  JOIN adjusted a ON a.run_id = g.run_id AND a.as_of = g.as_of AND a.action = g.action AND a.breakdown = 'all'
  WHERE g.breakdown <> 'all' AND g.contacted >= 2 AND g.controls >= 2
  GROUP BY ALL
),
shrunk AS (
  SELECT g.*, a.r1 - a.r0 AS overall, s.tau2,
    s.tau2 / nullif(s.tau2 + (g.r_half / 1.6448536269514722) ^ 2, 0) AS w
  FROM adjusted g
  LEFT JOIN adjusted a ON a.run_id = g.run_id AND a.as_of = g.as_of AND a.action = g.action AND a.breakdown = 'all' AND g.breakdown <> 'all'
  LEFT JOIN spread s ON s.run_id = g.run_id AND s.as_of = g.as_of AND s.action = g.action AND s.breakdown = g.breakdown
    AND g.contacted >= 2 AND g.controls >= 2
),
measured AS (
  SELECT *, status = 'measured' AS ok,
    status <> 'horizon_not_passed' AND breakdown <> 'all' AND tau2 IS NOT NULL AS shrinkable,
    -- the delta method's variance of ITT / rate, with the rate's binomial variance
    1.6448536269514722 * sqrt((r_half / 1.6448536269514722) ^ 2 / c_rate ^ 2
      + (r1 - r0) ^ 2 * c_rate * (1 - c_rate) / contacted / c_rate ^ 4) AS c_half
  FROM shrunk
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
  CASE WHEN ok AND r0 < 1 THEN (r1 - r0 + r_half) / (1 - r0) END AS save_rate_high,
  breakdown, group_name, reached,
  CASE WHEN any_reached THEN c_rate END AS contact_rate,
  CASE WHEN ok AND any_reached AND c_rate > 0 THEN (r1 - r0) / c_rate END AS retention_uplift_on_contacted,
  CASE WHEN ok AND any_reached AND c_rate > 0 THEN (r1 - r0) / c_rate - c_half END AS retention_uplift_on_contacted_low,
  CASE WHEN ok AND any_reached AND c_rate > 0 THEN (r1 - r0) / c_rate + c_half END AS retention_uplift_on_contacted_high,
  CASE WHEN ok THEN adj END AS retention_uplift_adjusted,
  CASE WHEN ok THEN adj - adj_half END AS retention_uplift_adjusted_low,
  CASE WHEN ok THEN adj + adj_half END AS retention_uplift_adjusted_high,
  CASE WHEN ok AND plain_half > 0 THEN 1 - adj_half / plain_half END AS interval_narrowing,
  CASE WHEN shrinkable THEN overall + coalesce(w, 0) * (r1 - r0 - overall) END AS retention_uplift_shrunk,
  CASE WHEN shrinkable THEN overall + coalesce(w, 0) * (r1 - r0 - overall) - 1.6448536269514722 * sqrt(coalesce(w, 0)) * r_half / 1.6448536269514722 END AS retention_uplift_shrunk_low,
  CASE WHEN shrinkable THEN overall + coalesce(w, 0) * (r1 - r0 - overall) + 1.6448536269514722 * sqrt(coalesce(w, 0)) * r_half / 1.6448536269514722 END AS retention_uplift_shrunk_high
FROM measured
ORDER BY as_of DESC, run_id DESC, action, CASE breakdown WHEN 'all' THEN 0 WHEN 'persona' THEN 1 ELSE 2 END, group_name
