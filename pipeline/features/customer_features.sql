-- customer_features: one row per customer known at $as_of (a DATE), built only
-- from rows dated on or before $as_of, so a feature as of D never sees later
-- data (point-in-time safe: every source below filters on its date <= $as_of).
-- A customer is known at $as_of once they have an order dated on or before it.
-- Amounts are in the configured currency; days are calendar days. Sums of money are
-- stored as MONEY, which customerFeatures.ts makes DECIMAL(18, 2) (the type of an
-- order's amount) and DECIMAL(38, 2), exact sums' own type, only where a customer's
-- sum does not fit: DuckDB reads a stored DECIMAL(38, 2) column some thirty times
-- slower, and every stage after this one reads these columns.
-- It reads the orders, order lines and tickets of the tables named by $orders,
-- $lines and $tickets (the whole `orders`, `order_lines` and `tickets`, or a
-- training sample's copies of them) and the `customers` table. Guest orders
-- (no customer_id) are not a customer's: they count in revenue, not here.
--
-- Columns:
--   customer_id, as_of
--   first_order_date, last_order_date   first and last purchase day (amount >= 0)
--   recency_days          days from the last purchase to as_of
--   tenure_days           days from the first purchase to as_of
--   orders_count          purchases (rows with amount >= 0)
--   purchase_days         distinct days with a purchase (the BTYD "frequency" + 1)
--   net_spend             purchases minus refunds, to date
--   gross_spend           purchases only
--   avg_order_value       gross_spend / orders_count
--   max_order_value       largest purchase
--   gap_mean_days, gap_std_days   mean and standard deviation of days between
--                         distinct purchase days (NULL with fewer than 2 / 3 days)
--   days_overdue          recency_days - gap_mean_days: how late the next
--                         purchase is by the customer's own rhythm (NULL if no gap)
--   overdue_ratio         recency_days / gap_mean_days (NULL if no gap)
--   orders_30d/90d/180d/365d, spend_30d/90d/180d/365d   purchases and net spend
--                         in the last N days, (as_of - N, as_of]
--   orders_prev_90d, spend_prev_90d   the same for the 90 days before those
--   trend_90d             log((spend_90d + 1) / (spend_prev_90d + 1)): > 0 growing
--   mom_spend_change      (spend_30d - spend_prev_30d) / spend_prev_30d (NULL if no spend before)
--   yoy_spend_change      (spend_365d - spend_prev_365d) / spend_prev_365d (NULL if no spend before)
--   refund_count, refunded_value   refunds (amount < 0) and their absolute total
--   refund_rate           refund_count / orders_count
--   discount_share        share of purchases with discount_used (NULL if never recorded)
--   category_count        distinct categories bought
--   preferred_channel     the channel with most purchases (ties: alphabetical; NULL if never recorded)
--   tickets_365d          support contacts opened in the last 365 days (0 without a tickets input)
--   complaints_90d, complaints_365d   tickets of kind 'complaint' in the window (0 without tickets)
--   unresolved_complaints complaints not marked resolved, to date (0 without tickets)
--   days_since_last_complaint   NULL when none
--   age_years             from the customers input's birth_date (NULL without it)
--   signup_tenure_days    days since signup_date (NULL without it)
--   country               from the customers input (NULL without it)
--   avg_basket_items      line items: mean items (quantity) in a purchase (NULL without line items)
--   avg_basket_lines      line items: mean lines in a purchase
--   distinct_products     line items: distinct products bought (by product_id, else name)
--   returned_items_share  line items: items returned (negative quantities) over items bought
--   weekend_share         distinct purchase days on a Saturday or Sunday over purchase_days
--   top_category          the category of most of the customer's purchases (order rows;
--                         ties: alphabetical; NULL if never recorded)
--   (the last two are the buyer personas' traits, score/persona_traits.sql: computed in this
--   pass over the orders instead of two more at scoring; the training snapshots leave them out)
--   repeat_purchase_spend purchases dated after the first purchase day (refunds not deducted):
--                         the BTYD summary's repeat value reads it (train/btyd_features_summary.sql)
--                         instead of another pass over the orders; the training snapshots leave it out
--   repeat_refunds        the refund rows dated after the first purchase day, summed (negative, 0 without
--                         refunds): read with repeat_purchase_spend by the BTYD summary (no pass over the
--                         orders for them); NULL when a refund is dated on or before the first purchase
--                         day, which the summary then sums from the orders (this aggregate sees neither
--                         date beside the other); the training snapshots leave it out
--
-- The orders' figures in one pass: each row with the step from the customer's purchase before it (purchases
-- only; the same day for a second purchase that day gives 0), then one aggregate per customer computing every
-- sum, count and date at once (a single sort and a single hash table: no materialised copy of the orders, no
-- per-figure pass joined back). The gaps between purchase days are the steps that are not zero; a purchase
-- day's first row (in the window's order) is the one whose step is not zero, or NULL for the first day. The distinct
-- categories (with the top category) and the preferred channel are narrow aggregates of their own (cats, chan): inside the wide one, a
-- DISTINCT and a histogram per customer cost more than two more scans of three columns (a million customers:
-- CPU 17-20 s -> 14 s, 2.2 -> 1.6 GB).
WITH o AS (
  SELECT customer_id, order_date, amount, category, channel, discount_used,
    CASE WHEN amount >= 0 THEN order_date - lag(order_date) OVER w END AS step,
    -- a purchase's first purchase day (the same window: no second sort)
    first_value(order_date) OVER w AS first_day
  FROM query_table($orders) WHERE order_date <= $as_of AND customer_id IS NOT NULL
  WINDOW w AS (PARTITION BY customer_id, amount >= 0 ORDER BY order_date)
),
m AS (
  -- gap statistics from exact integer sums (not stddev_samp's floating accumulation) so that values repeat bit for bit
  SELECT customer_id,
    min(order_date) FILTER (WHERE amount >= 0) AS first_order_date, max(order_date) FILTER (WHERE amount >= 0) AS last_order_date,
    count(gap) + 1 AS purchase_days, avg(gap) AS gap_mean_days,
    CASE WHEN count(gap) >= 2 THEN sqrt(greatest(0, (sum(gap * gap) - sum(gap) * sum(gap) / count(gap)) / (count(gap) - 1))) END AS gap_std_days,
    count(*) FILTER (WHERE amount >= 0) AS orders_count,
    count(*) FILTER (WHERE amount >= 0 AND (step IS NULL OR step > 0) AND dayofweek(order_date) IN (0, 6)) AS weekend_days,
    coalesce(sum(amount), 0) AS net_spend,
    coalesce(sum(amount) FILTER (WHERE amount >= 0), 0) AS gross_spend,
    coalesce(sum(amount) FILTER (WHERE amount >= 0 AND order_date > first_day), 0) AS repeat_purchase_spend,
    -- every refund after the first purchase day when the first refund is (none: 0); otherwise unknown here
    CASE WHEN coalesce(min(order_date) FILTER (WHERE amount < 0) > min(order_date) FILTER (WHERE amount >= 0), true)
      THEN coalesce(sum(amount) FILTER (WHERE amount < 0), 0) END AS repeat_refunds,
    max(amount) AS max_order_value,
    count(*) FILTER (WHERE amount < 0) AS refund_count,
    coalesce(-sum(amount) FILTER (WHERE amount < 0), 0) AS refunded_value,
    avg(CASE WHEN discount_used THEN 1.0 WHEN NOT discount_used THEN 0.0 END) FILTER (WHERE amount >= 0) AS discount_share,
    count(*) FILTER (WHERE amount >= 0 AND order_date > $as_of - 30) AS orders_30d,
    count(*) FILTER (WHERE amount >= 0 AND order_date > $as_of - 90) AS orders_90d,
    count(*) FILTER (WHERE amount >= 0 AND order_date > $as_of - 180) AS orders_180d,
    count(*) FILTER (WHERE amount >= 0 AND order_date > $as_of - 365) AS orders_365d,
    coalesce(sum(amount) FILTER (WHERE order_date > $as_of - 30), 0) AS spend_30d,
    coalesce(sum(amount) FILTER (WHERE order_date > $as_of - 90), 0) AS spend_90d,
    coalesce(sum(amount) FILTER (WHERE order_date > $as_of - 180), 0) AS spend_180d,
    coalesce(sum(amount) FILTER (WHERE order_date > $as_of - 365), 0) AS spend_365d,
    count(*) FILTER (WHERE amount >= 0 AND order_date > $as_of - 180 AND order_date <= $as_of - 90) AS orders_prev_90d,
    coalesce(sum(amount) FILTER (WHERE order_date > $as_of - 60 AND order_date <= $as_of - 30), 0) AS spend_prev_30d,
    coalesce(sum(amount) FILTER (WHERE order_date > $as_of - 180 AND order_date <= $as_of - 90), 0) AS spend_prev_90d,
    coalesce(sum(amount) FILTER (WHERE order_date > $as_of - 730 AND order_date <= $as_of - 365), 0) AS spend_prev_365d
  FROM (SELECT *, CASE WHEN step > 0 THEN step END AS gap FROM o)
  GROUP BY customer_id
  HAVING count(*) FILTER (WHERE amount >= 0) > 0
),
cats AS (
  -- per category: its purchases; the customer's distinct categories and the one most bought (ties: alphabetical)
  SELECT customer_id, count(category) AS category_count, arg_min(category, (-n, category)) FILTER (WHERE n > 0 AND category IS NOT NULL) AS top_category
  FROM (SELECT customer_id, category, count(*) FILTER (WHERE amount >= 0) AS n
        FROM query_table($orders) WHERE order_date <= $as_of AND customer_id IS NOT NULL GROUP BY customer_id, category)
  GROUP BY customer_id
),
chan AS (
  -- the channel with most purchases, ties to the alphabetically first
  SELECT customer_id, arg_min(channel, (-n, channel)) AS preferred_channel FROM (
    SELECT customer_id, channel, count(*) AS n
    FROM query_table($orders) WHERE order_date <= $as_of AND customer_id IS NOT NULL AND amount >= 0 AND channel IS NOT NULL
    GROUP BY customer_id, channel)
  GROUP BY customer_id
),
line_orders AS (
  SELECT customer_id, order_id, CAST(sum(quantity) AS DOUBLE) AS items, count(*) AS line_count
  FROM query_table($lines) WHERE order_date <= $as_of AND customer_id IS NOT NULL
  GROUP BY customer_id, order_id
),
line_products AS (
  SELECT customer_id, count(DISTINCT coalesce(product_id, product_name)) AS distinct_products, count(DISTINCT category) AS category_count
  FROM query_table($lines) WHERE order_date <= $as_of AND customer_id IS NOT NULL AND quantity > 0
  GROUP BY customer_id
),
lines AS (
  SELECT o.customer_id,
    sum(o.items) FILTER (WHERE o.items > 0) / nullif(count(*) FILTER (WHERE o.items > 0), 0) AS avg_basket_items,
    avg(o.line_count) FILTER (WHERE o.items > 0) AS avg_basket_lines,
    any_value(p.distinct_products) AS distinct_products,
    any_value(p.category_count) AS category_count,
    -sum(o.items) FILTER (WHERE o.items < 0) / nullif(sum(o.items) FILTER (WHERE o.items > 0), 0) AS returned_items_share
  FROM line_orders o LEFT JOIN line_products p USING (customer_id)
  GROUP BY o.customer_id
),
-- Each customer's figures from their own rows: all but what moves with the as-of by itself. When
-- featuresState.ts carries the table forward, $orders and $lines hold only the customers it rebuilds and
-- the others' figures are added where the marker below stands (features_carried.sql).
customer_rows AS (
  SELECT m.* EXCLUDE (weekend_days),
    coalesce(li.category_count, cats.category_count) AS category_count,
    chan.preferred_channel,
    li.avg_basket_items,
    li.avg_basket_lines,
    li.distinct_products,
    coalesce(li.returned_items_share, CASE WHEN li.customer_id IS NOT NULL THEN 0.0 END) AS returned_items_share,
    CAST(m.weekend_days AS DOUBLE) / m.purchase_days AS weekend_share,
    cats.top_category
  FROM m JOIN cats USING (customer_id) LEFT JOIN chan USING (customer_id) LEFT JOIN lines li USING (customer_id)
  /* carried customers */
),
t AS (
  SELECT customer_id,
    count(*) FILTER (WHERE opened_date > $as_of - 365) AS tickets_365d,
    count(*) FILTER (WHERE kind = 'complaint' AND opened_date > $as_of - 90) AS complaints_90d,
    count(*) FILTER (WHERE kind = 'complaint' AND opened_date > $as_of - 365) AS complaints_365d,
    count(*) FILTER (WHERE kind = 'complaint' AND resolved IS DISTINCT FROM true) AS unresolved_complaints,
    $as_of - max(opened_date) FILTER (WHERE kind = 'complaint') AS days_since_last_complaint
  FROM query_table($tickets) WHERE opened_date <= $as_of GROUP BY customer_id
),
c AS (
  SELECT customer_id,
    CASE WHEN birth_date <= $as_of THEN date_diff('year', birth_date, $as_of) - CASE WHEN strftime(birth_date, '%m%d') > strftime($as_of, '%m%d') THEN 1 ELSE 0 END END AS age_years,
    CASE WHEN signup_date <= $as_of THEN $as_of - signup_date END AS signup_tenure_days,
    country
  FROM customers
)
SELECT
  m.customer_id,
  CAST($as_of AS DATE) AS as_of,
  m.first_order_date,
  m.last_order_date,
  $as_of - m.last_order_date AS recency_days,
  $as_of - m.first_order_date AS tenure_days,
  m.orders_count,
  m.purchase_days,
  CAST(m.net_spend AS MONEY) AS net_spend,
  CAST(m.gross_spend AS MONEY) AS gross_spend,
  round(m.gross_spend / m.orders_count, 2) AS avg_order_value,
  m.max_order_value,
  m.gap_mean_days,
  m.gap_std_days,
  ($as_of - m.last_order_date) - m.gap_mean_days AS days_overdue,
  ($as_of - m.last_order_date) / nullif(m.gap_mean_days, 0) AS overdue_ratio,
  m.orders_30d, m.orders_90d, m.orders_180d, m.orders_365d,
  CAST(m.spend_30d AS MONEY) AS spend_30d, CAST(m.spend_90d AS MONEY) AS spend_90d, CAST(m.spend_180d AS MONEY) AS spend_180d, CAST(m.spend_365d AS MONEY) AS spend_365d,
  m.orders_prev_90d, CAST(m.spend_prev_90d AS MONEY) AS spend_prev_90d,
  ln((greatest(m.spend_90d, 0) + 1) / (greatest(m.spend_prev_90d, 0) + 1)) AS trend_90d,
  (m.spend_30d - m.spend_prev_30d) / nullif(m.spend_prev_30d, 0) AS mom_spend_change,
  (m.spend_365d - m.spend_prev_365d) / nullif(m.spend_prev_365d, 0) AS yoy_spend_change,
  m.refund_count,
  CAST(m.refunded_value AS MONEY) AS refunded_value,
  m.refund_count / m.orders_count AS refund_rate,
  m.discount_share,
  m.category_count,
  m.preferred_channel,
  coalesce(t.tickets_365d, 0) AS tickets_365d,
  coalesce(t.complaints_90d, 0) AS complaints_90d,
  coalesce(t.complaints_365d, 0) AS complaints_365d,
  coalesce(t.unresolved_complaints, 0) AS unresolved_complaints,
  t.days_since_last_complaint,
  c.age_years,
  c.signup_tenure_days,
  c.country,
  m.avg_basket_items,
  m.avg_basket_lines,
  m.distinct_products,
  m.returned_items_share,
  m.weekend_share,
  m.top_category,
  CAST(m.repeat_purchase_spend AS MONEY) AS repeat_purchase_spend,
  CAST(m.repeat_refunds AS MONEY) AS repeat_refunds
FROM customer_rows m
LEFT JOIN t USING (customer_id)
LEFT JOIN c USING (customer_id)
ORDER BY m.customer_id
