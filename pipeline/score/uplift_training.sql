-- uplift_training: every measured contact of the published history, as the uplift models learn from
-- it: one row per customer proposed (contact) or held back (is_control) for an action by the latest
-- run of each as-of whose horizon has passed by $as_of, with the features it was published with
-- (churn_probability, persona: what was known at contact time) and whether the customer bought in
-- the run's horizon (an order, not a refund: action_effects' retention); of an action's campaigns before its
-- latest, a sample of $max_rows where the history holds more.
WITH contacts AS (
  SELECT run_id, as_of, coalesce(horizon_days, $horizon) AS horizon_days, customer_id, action, contact, churn_probability, coalesce(persona, '(none)') AS persona
  FROM customer_scores_history
  WHERE action <> 'none' AND (contact OR is_control)
),
latest AS (SELECT as_of, max(run_id) AS run_id FROM contacts GROUP BY as_of),
measurable AS (
  SELECT c.*, c.as_of = max(c.as_of) OVER (PARTITION BY c.action) AS latest_campaign FROM contacts c
  JOIN latest USING (run_id, as_of)
  WHERE c.as_of + c.horizon_days <= CAST($as_of AS DATE)
),
-- Each action's latest campaign whole (its backtest's held-out campaign), and at most $max_rows of its earlier
-- ones, drawn alike from each (the first in an order fixed by a hash of the customer and the campaign's as-of):
-- the history grows by a campaign a month, the models' data does not.
measured AS (
  SELECT * EXCLUDE (latest_campaign) FROM measurable
  QUALIFY latest_campaign
    OR row_number() OVER (PARTITION BY action, latest_campaign ORDER BY hash(customer_id || '|' || CAST(as_of AS VARCHAR)), customer_id, as_of) <= $max_rows
)
SELECT CAST(c.as_of AS VARCHAR) AS as_of, c.action, c.customer_id, c.persona, CAST(coalesce(c.churn_probability, 0) AS DOUBLE) AS churn_probability,
  CASE WHEN c.contact THEN 1.0 ELSE 0.0 END::DOUBLE AS treated,
  CASE WHEN count(o.order_id) FILTER (WHERE o.amount >= 0) > 0 THEN 1.0 ELSE 0.0 END::DOUBLE AS retained
FROM measured c
LEFT JOIN orders o ON o.customer_id = c.customer_id AND o.order_date > c.as_of AND o.order_date <= c.as_of + c.horizon_days
GROUP BY ALL
ORDER BY 1, 2, 3
