-- The at-risk VIPs held back: the VIPs at medium or high churn risk given save or win_back (those fidelio list
-- at-risk-vip would list: not the ones too recent to save, customerList.ts's AT_RISK_VIP) who are not to be contacted, in that list's order (value_kept: what a contact
-- could keep, never more than the 12-month CLV), with the value at stake (value_if_retained x churn) beside
-- it and why (control group, opted out, cooldown, budget). The ones to contact are the CLI's list.
SELECT customer_id, churn_probability, predicted_clv_12m, value_kept, value_if_retained * churn_probability AS value_at_stake,
  days_since_last_order, segment, reasons, contact, contact_blocked_by
FROM customer_scores WHERE is_vip AND churn_risk IN ('medium', 'high') AND action IN ('save', 'win_back') AND NOT contact
ORDER BY value_kept DESC NULLS LAST, customer_id LIMIT 15
