-- uplift_training: every measured contact of the published history, as the uplift models learn from
-- it: one row per customer proposed (contact) or held back (is_control) for an action by the latest
-- run of each as-of whose horizon has passed by $as_of, with the features it was published with
-- (churn_probability, persona: what was known at contact time) and whether the customer bought in
-- the run's horizon (an order, not a refund: action_effects' retention).
WITH contacts AS (
  SELECT run_id, as_of, coalesce(horizon_days, $horizon) AS horizon_days, customer_id, action, contact, churn_probability, coalesce(persona, '(none)') AS persona
  FROM customer_scores_history
  WHERE action <> 'none' AND (contact OR is_control)
),
latest AS (SELECT as_of, max(run_id) AS run_id FROM contacts GROUP BY as_of)
SELECT CAST(c.as_of AS VARCHAR) AS as_of, c.action, c.customer_id, c.persona, CAST(c.churn_probability AS DOUBLE) AS churn_probability,
  CASE WHEN c.contact THEN 1.0 ELSE 0.0 END AS treated,
  CASE WHEN count(o.order_id) FILTER (WHERE o.amount >= 0) > 0 THEN 1.0 ELSE 0.0 END AS retained
FROM contacts c
JOIN latest USING (run_id, as_of)
LEFT JOIN orders o ON o.customer_id = c.customer_id AND o.order_date > c.as_of AND o.order_date <= c.as_of + c.horizon_days
WHERE c.as_of + c.horizon_days <= CAST($as_of AS DATE)
GROUP BY ALL
ORDER BY 1, 2, 3
