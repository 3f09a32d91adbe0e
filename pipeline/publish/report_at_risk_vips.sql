-- The VIPs most worth saving: medium or high churn risk, most value at risk first.
SELECT customer_id, churn_probability, predicted_clv_12m, value_at_risk, days_since_last_order, segment, reasons
FROM customer_scores WHERE is_vip AND churn_risk <> 'low' ORDER BY value_at_risk DESC, customer_id LIMIT 25
