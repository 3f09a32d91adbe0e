-- The VIPs most worth saving: action save (medium or high churn risk, not a recent buyer), in
-- action_priority (most value a save keeps first, as the budget ranks them), with whether they are to be contacted and, if not, why (control group, opted out,
-- cooldown, budget): the report lists the ones to contact apart from those held back.
SELECT customer_id, churn_probability, predicted_clv_12m, value_at_risk, days_since_last_order, segment, reasons,
  contact, contact_blocked_by
FROM customer_scores WHERE is_vip AND action = 'save'
ORDER BY contact DESC, action_priority, customer_id LIMIT 50
