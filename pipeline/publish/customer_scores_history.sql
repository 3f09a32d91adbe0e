-- This run's rows of customer_scores_history: what it published for each
-- customer (the contact history that cooldowns and action effects read).
SELECT CAST($run_id AS VARCHAR) AS run_id, as_of, customer_id, model_version, churn_probability, churn_risk,
  predicted_clv_12m, value_tier, is_vip, segment, action, contact, is_control,
  -- the horizon over which this run's contacts are measured against their controls (action_effects.sql)
  CAST($horizon AS INTEGER) AS horizon_days,
  -- the buyer persona, for the effects by persona (migration 11 put it last)
  persona
FROM customer_scores
