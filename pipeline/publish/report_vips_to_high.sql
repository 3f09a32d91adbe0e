-- VIPs now at high churn risk who were not at the previous run (the latest
-- earlier run in customer_scores_history with an as_of on or before this one's).
SELECT c.customer_id, h.churn_risk AS before, c.churn_probability, c.predicted_clv_12m, c.reasons, c.contact, c.contact_blocked_by
FROM customer_scores c JOIN customer_scores_history h USING (customer_id)
WHERE c.is_vip AND c.churn_risk = 'high' AND h.churn_risk <> 'high'
  AND h.run_id = (SELECT run_id FROM customer_scores_history WHERE run_id <> $run_id AND as_of <= (SELECT max(as_of) FROM customer_scores)
                  ORDER BY as_of DESC, run_id DESC LIMIT 1)
ORDER BY c.value_at_risk DESC, c.customer_id LIMIT 25
