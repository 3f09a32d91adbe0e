-- VIPs now at high churn risk who were not at the previous run ($previous_run of
-- $previous_as_of, report_previous_run.sql: the latest earlier run in customer_scores_history).
SELECT c.customer_id, h.churn_risk AS before, c.churn_probability, c.predicted_clv_12m, c.reasons, c.contact, c.contact_blocked_by
FROM customer_scores c JOIN customer_scores_history h USING (customer_id)
WHERE c.is_vip AND c.churn_risk = 'high' AND h.churn_risk <> 'high'
  AND h.run_id = $previous_run AND h.as_of = CAST($previous_as_of AS DATE)
ORDER BY c.value_at_risk DESC, c.customer_id LIMIT 25
