-- personas: one row per buyer persona (persona_labels, personas.ts) with
-- what marketing needs of it, from customer_scores: its size and share of
-- customers, its share of the value score, its mean churn probability, its
-- 12-month CLV, and the customers given each action, contacted, ambassadors.
-- Sums of DOUBLE columns are taken in customer order, so that the figures are
-- the same bytes on every run (a parallel sum adds in any order).
SELECT
  l.persona_id,
  l.persona,
  l.description,
  count(s.customer_id) AS customers,
  count(s.customer_id) / sum(count(s.customer_id)) OVER () AS share_of_customers,
  sum(greatest(s.value_score, 0) ORDER BY s.customer_id)
    / nullif((SELECT sum(greatest(value_score, 0) ORDER BY customer_id) FROM customer_scores WHERE persona_id IS NOT NULL), 0) AS share_of_value,
  avg(s.churn_probability ORDER BY s.customer_id) AS mean_churn_probability,
  sum(s.predicted_clv_12m ORDER BY s.customer_id) AS predicted_clv_12m,
  count(*) FILTER (WHERE s.action = 'save') AS save,
  count(*) FILTER (WHERE s.action = 'surprise') AS surprise,
  count(*) FILTER (WHERE s.action = 'grow') AS grow,
  count(*) FILTER (WHERE s.action = 'nurture') AS nurture,
  count(*) FILTER (WHERE s.action = 'win_back') AS win_back,
  count(*) FILTER (WHERE s.action = 'none') AS no_action,
  count(*) FILTER (WHERE s.contact) AS contacted,
  count(*) FILTER (WHERE s.is_ambassador) AS ambassadors,
  l.orders_per_year,
  l.avg_order_value,
  l.discount_share,
  l.weekend_share,
  l.tenure_days,
  l.top_channel,
  l.top_channel_share,
  l.top_category,
  l.top_category_share,
  l.top_country,
  l.top_country_share
FROM persona_labels l
JOIN customer_scores s USING (persona_id)
GROUP BY ALL
ORDER BY l.persona_id
