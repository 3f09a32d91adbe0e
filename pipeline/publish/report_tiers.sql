-- Value concentration by tier: customers, historic value and its share, 12-month CLV, mean churn.
SELECT value_tier, count(*) AS customers, sum(greatest(historic_value, 0) ORDER BY customer_id) AS historic,
  sum(greatest(historic_value, 0) ORDER BY customer_id) / sum(sum(greatest(historic_value, 0) ORDER BY customer_id)) OVER () AS share,
  sum(predicted_clv_12m ORDER BY customer_id) AS clv, avg(churn_probability ORDER BY customer_id) AS churn
FROM customer_scores GROUP BY value_tier ORDER BY value_tier
