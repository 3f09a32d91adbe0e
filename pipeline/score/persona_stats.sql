-- persona_stats: each persona's figures (persona_traits of its customers,
-- customer_personas), and everyone's as persona 0, for the descriptions
-- (personaWords.ts): medians of rhythm, basket and tenure, shares of
-- discounted and weekend purchases, of customers who complained in the
-- last year, the channel, favourite category and
-- country most held.
WITH t AS (
  SELECT t.*, p.persona_id FROM persona_traits t JOIN customer_personas p USING (customer_id)
  UNION ALL
  SELECT t.*, 0 AS persona_id FROM persona_traits t
),
figures AS (
  SELECT persona_id, count(*) AS customers,
    median(orders_per_year) AS orders_per_year, median(avg_order_value) AS avg_order_value,
    avg(discount_share ORDER BY customer_id) AS discount_share, avg(weekend_share ORDER BY customer_id) AS weekend_share, median(tenure_days) AS tenure_days,
    avg(CASE WHEN complaints_365d > 0 THEN 1.0 ELSE 0.0 END) AS complaint_share
  FROM t GROUP BY persona_id
),
channel_counts AS (SELECT persona_id, channel, count(*) AS n FROM t WHERE channel IS NOT NULL GROUP BY ALL),
channels AS (SELECT persona_id, first(channel ORDER BY n DESC, channel) AS top_channel, max(n) AS n FROM channel_counts GROUP BY persona_id),
category_counts AS (SELECT persona_id, category, count(*) AS n FROM t WHERE category IS NOT NULL GROUP BY ALL),
categories AS (SELECT persona_id, first(category ORDER BY n DESC, category) AS top_category, max(n) AS n FROM category_counts GROUP BY persona_id),
country_counts AS (SELECT persona_id, country, count(*) AS n FROM t WHERE country IS NOT NULL GROUP BY ALL),
countries AS (SELECT persona_id, first(country ORDER BY n DESC, country) AS top_country, max(n) AS n FROM country_counts GROUP BY persona_id),
everyone AS (SELECT customers FROM figures WHERE persona_id = 0)
-- top_*_overall_share: the share of everyone with the persona's top channel, category, country
SELECT f.persona_id, CAST(f.customers AS DOUBLE) AS customers, f.orders_per_year, f.avg_order_value, f.discount_share, f.weekend_share,
  f.tenure_days, f.complaint_share, ch.top_channel, ch.n / f.customers AS top_channel_share, cha.n / (SELECT customers FROM everyone) AS top_channel_overall_share,
  ca.top_category, ca.n / f.customers AS top_category_share, caa.n / (SELECT customers FROM everyone) AS top_category_overall_share,
  co.top_country, co.n / f.customers AS top_country_share, coa.n / (SELECT customers FROM everyone) AS top_country_overall_share
FROM figures f
LEFT JOIN channels ch USING (persona_id)
LEFT JOIN channel_counts cha ON cha.persona_id = 0 AND cha.channel = ch.top_channel
LEFT JOIN categories ca USING (persona_id)
LEFT JOIN category_counts caa ON caa.persona_id = 0 AND caa.category = ca.top_category
LEFT JOIN countries co USING (persona_id)
LEFT JOIN country_counts coa ON coa.persona_id = 0 AND coa.country = co.top_country
ORDER BY f.persona_id
