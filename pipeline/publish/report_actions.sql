-- Customers, value at risk and 12-month CLV per action, most value at risk first.
SELECT action, count(*) AS customers, sum(value_at_risk ORDER BY customer_id) AS var, sum(predicted_clv_12m ORDER BY customer_id) AS clv
FROM customer_scores GROUP BY action ORDER BY var DESC
