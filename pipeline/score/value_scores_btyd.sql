-- value_scores when a BTYD model is the value champion: its expected spend
-- over the horizon and its 12-month CLV with their p10/p90 (btyd_scores).
SELECT customer_id, expected_spend AS predicted_value, clv_12m AS predicted_clv_12m,
  clv_12m_p10 AS predicted_clv_12m_p10, clv_12m_p90 AS predicted_clv_12m_p90
FROM btyd_scores
