-- fidelio serve, the overview: the VIPs at medium or high churn risk given save or win_back (the at-risk VIPs of
-- customerList.ts's AT_RISK_VIP: not those too recent to save), how
-- many of them the at-risk-vip list proposes to contact (not opted out, not
-- control, not in cooldown, within budget), and what is at stake with them
-- (value_if_retained x churn_probability, the value at stake the list shows beside
-- value_kept, which it ranks by).
SELECT count(*) AS vips_at_risk,
  count(*) FILTER (WHERE contact) AS to_contact,
  sum(value_if_retained * churn_probability ORDER BY customer_id) AS at_stake
FROM customer_scores
WHERE is_vip AND churn_risk IN ('medium', 'high') AND action IN ('save', 'win_back')
