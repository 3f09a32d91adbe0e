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
-- Every trait is customer_features' (the weekend share and the category are computed
-- there, in its pass over the orders: no order is read here). A view (personas.ts):
-- nothing is written, and its rows come in customer_features' order, which a scan
-- keeps (personas.ts reads them row by row and joins the personas back by position;
-- persona_stats.sql aggregates them in customer order where order matters).
SELECT
  customer_id,
  purchase_days * 365.0 / greatest(tenure_days, 365) AS orders_per_year,
  CAST(avg_order_value AS DOUBLE) AS avg_order_value,
  coalesce(discount_share, 0) AS discount_share,
  weekend_share,
  CAST(tenure_days AS DOUBLE) AS tenure_days,
  CAST(category_count AS DOUBLE) AS category_count,
  CAST(coalesce(complaints_365d, 0) AS DOUBLE) AS complaints_365d,
  coalesce(refund_rate, 0) AS refund_rate,
  preferred_channel AS channel,
  top_category AS category,
  country
FROM customer_features
