-- persona_traits: what a buyer persona is made of, one row per customer of
-- customer_features (personas.ts clusters them; README, "Buyer personas").
--
--   orders_per_year   purchase days per year of tenure (tenure counted as at least a year)
--   avg_order_value   gross spend per order
--   discount_share    share of purchases with a discount (0 where never recorded)
--   weekend_share     share of purchase days on a Saturday or Sunday
--   tenure_days       days since the first purchase
--   category_count    distinct categories bought
--   complaints_365d   complaints in the last year
--   refund_rate       refunds per order
--   channel           the channel most bought through (NULL where never recorded)
--   category          the category of most of the customer's purchases (order rows; ties: alphabetical; NULL where never recorded)
--   country           from the customers input (NULL without it)
--
-- The weekend share is the customer's distinct weekend purchase days over all
-- their purchase days, customer_features.purchase_days (distinct days with an
-- amount >= 0 up to as_of): only the weekend's rows are read for it. Rows come
-- in no particular order (personas.ts reads them row by row; persona_stats.sql
-- aggregates them in customer order where order matters).
WITH weekends AS (
  SELECT customer_id, count(DISTINCT order_date) AS weekend_days
  FROM orders
  WHERE customer_id IS NOT NULL AND amount >= 0 AND order_date <= $as_of AND dayofweek(order_date) IN (0, 6)
  GROUP BY customer_id
),
categories AS (
  SELECT customer_id, first(category ORDER BY n DESC, category) AS category
  FROM (SELECT customer_id, category, count(*) AS n FROM orders
        WHERE customer_id IS NOT NULL AND amount >= 0 AND order_date <= $as_of AND category IS NOT NULL GROUP BY ALL)
  GROUP BY customer_id
)
SELECT
  f.customer_id,
  f.purchase_days * 365.0 / greatest(f.tenure_days, 365) AS orders_per_year,
  CAST(f.avg_order_value AS DOUBLE) AS avg_order_value,
  coalesce(f.discount_share, 0) AS discount_share,
  CAST(coalesce(w.weekend_days, 0) AS DOUBLE) / f.purchase_days AS weekend_share,
  CAST(f.tenure_days AS DOUBLE) AS tenure_days,
  CAST(f.category_count AS DOUBLE) AS category_count,
  CAST(coalesce(f.complaints_365d, 0) AS DOUBLE) AS complaints_365d,
  coalesce(f.refund_rate, 0) AS refund_rate,
  f.preferred_channel AS channel,
  c.category,
  f.country
FROM customer_features f
LEFT JOIN weekends w USING (customer_id)
LEFT JOIN categories c USING (customer_id)
