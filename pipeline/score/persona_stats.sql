-- persona_stats: each persona's figures (persona_traits of its customers,
-- customer_personas), and everyone's as persona 0, for the descriptions
-- (personaWords.ts): medians of rhythm, basket and tenure, shares of
-- discounted and weekend purchases, of customers who complained in the
-- last year, the channel, favourite category and
-- country most held. Each customer is read once: everyone's figures are the
-- grand total of a grouping set (persona_id NULL there, made 0; a customer's
-- persona_id is never NULL: customer_personas declares it NOT NULL).
WITH t AS (
  SELECT t.*, p.persona_id FROM persona_traits t JOIN customer_personas p USING (customer_id)
),
figures AS (
  SELECT coalesce(persona_id, 0) AS persona_id, count(*) AS customers,
    median(orders_per_year) AS orders_per_year, median(avg_order_value) AS avg_order_value,
    avg(discount_share ORDER BY customer_id) AS discount_share, avg(weekend_share ORDER BY customer_id) AS weekend_share, median(tenure_days) AS tenure_days,
    avg(CASE WHEN complaints_365d > 0 THEN 1.0 ELSE 0.0 END) AS complaint_share
  FROM t GROUP BY GROUPING SETS ((persona_id), ())
),
-- The categorical traits in one long list (a NULL level is left out), counted per persona and level.
levels AS (
  SELECT coalesce(persona_id, 0) AS persona_id, trait, level, count(*) AS n
  FROM (UNPIVOT (SELECT persona_id, channel, category, country FROM t) ON channel, category, country INTO NAME trait VALUE level)
  GROUP BY GROUPING SETS ((persona_id, trait, level), (trait, level))
),
-- Each persona's most held level of each trait (ties: alphabetical), with how many of it and of everyone hold it.
tops AS (
  SELECT p.persona_id, p.trait, p.level, p.n, e.n AS overall_n
  FROM (SELECT persona_id, trait, first(level ORDER BY n DESC, level) AS level, max(n) AS n FROM levels GROUP BY ALL) p
  LEFT JOIN levels e ON e.persona_id = 0 AND e.trait = p.trait AND e.level = p.level
),
everyone AS (SELECT customers FROM figures WHERE persona_id = 0)
-- top_*_overall_share: the share of everyone with the persona's top channel, category, country
SELECT f.persona_id, CAST(f.customers AS DOUBLE) AS customers, f.orders_per_year, f.avg_order_value, f.discount_share, f.weekend_share,
  f.tenure_days, f.complaint_share,
  ch.level AS top_channel, ch.n / f.customers AS top_channel_share, ch.overall_n / (SELECT customers FROM everyone) AS top_channel_overall_share,
  ca.level AS top_category, ca.n / f.customers AS top_category_share, ca.overall_n / (SELECT customers FROM everyone) AS top_category_overall_share,
  co.level AS top_country, co.n / f.customers AS top_country_share, co.overall_n / (SELECT customers FROM everyone) AS top_country_overall_share
FROM figures f
LEFT JOIN tops ch ON ch.persona_id = f.persona_id AND ch.trait = 'channel'
LEFT JOIN tops ca ON ca.persona_id = f.persona_id AND ca.trait = 'category'
LEFT JOIN tops co ON co.persona_id = f.persona_id AND co.trait = 'country'
ORDER BY f.persona_id
