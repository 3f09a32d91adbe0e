-- training_snapshots: for every cutoff of the table named by $cutoffs
-- (position INTEGER, as_of DATE, split VARCHAR), the features as of the
-- cutoff, exactly as customer_features.sql computes them at that date (the
-- same columns, types and values, but the buyer personas' two traits,
-- weekend_share and top_category, and repeat_purchase_spend and repeat_refunds (the BTYD
-- summary's), which scoring alone reads;
-- tests/features/snapshots.test.ts holds the two equal), with what each customer did in the horizon after it,
-- (as_of, as_of + $horizon], from the orders, order lines and tickets of the
-- tables named by $orders, $lines and $tickets (the whole tables, or a
-- training sample's copies) and the `customers` table:
--
--   split           'train' or 'holdout' (the latest full horizon, kept for backtesting)
--   future_orders   purchases (amount >= 0) in the horizon
--   future_spend    net spend in the horizon (refunds issued in it deducted)
--   churned         true when future_orders = 0
--
-- One pass over the rows for every cutoff: what does not depend on the
-- cutoff is computed once (the gap of each purchase day to the one before,
-- the first day each category, product or channel appears, each order's
-- line totals per day) and then joined with the cutoffs on date <= cutoff,
-- so every cutoff sees the same rows customer_features.sql reads at it.
-- Rows come out by the cutoffs' position, then customer_id. The labels read
-- rows after the cutoff by design; the features never do.
WITH cut AS (
  SELECT position, as_of, split FROM query_table($cutoffs)
),
src AS (
  SELECT customer_id, order_date, amount, category, channel, discount_used
  FROM query_table($orders) WHERE customer_id IS NOT NULL AND order_date <= (SELECT max(as_of) FROM cut)
),
o AS (
  SELECT c.position, c.as_of, s.* FROM src s JOIN cut c ON s.order_date <= c.as_of
),
-- A purchase's step from the customer's purchase before it does not depend on the cutoff: a cutoff keeps
-- whole days, so the purchases up to it are a prefix of the customer's with the same steps.
gaps AS (
  SELECT customer_id, order_date, CASE WHEN step > 0 THEN step END AS gap FROM (
    SELECT customer_id, order_date, order_date - lag(order_date) OVER (PARTITION BY customer_id ORDER BY order_date) AS step
    FROM src WHERE amount >= 0
  )
),
known AS (
  SELECT c.position, g.customer_id, min(g.order_date) AS first_order_date, max(g.order_date) AS last_order_date,
    count(g.gap) + 1 AS purchase_days, avg(g.gap) AS gap_mean_days,
    CASE WHEN count(g.gap) >= 2 THEN sqrt(greatest(0, (sum(g.gap * g.gap) - sum(g.gap) * sum(g.gap) / count(g.gap)) / (count(g.gap) - 1))) END AS gap_std_days
  FROM gaps g JOIN cut c ON g.order_date <= c.as_of
  GROUP BY c.position, g.customer_id
),
money AS (
  SELECT position, customer_id,
    count(*) FILTER (WHERE amount >= 0) AS orders_count,
    coalesce(sum(amount), 0) AS net_spend,
    coalesce(sum(amount) FILTER (WHERE amount >= 0), 0) AS gross_spend,
    max(amount) AS max_order_value,
    count(*) FILTER (WHERE amount < 0) AS refund_count,
    coalesce(-sum(amount) FILTER (WHERE amount < 0), 0) AS refunded_value,
    avg(CASE WHEN discount_used THEN 1.0 WHEN NOT discount_used THEN 0.0 END) FILTER (WHERE amount >= 0) AS discount_share,
    count(*) FILTER (WHERE amount >= 0 AND order_date > as_of - 30) AS orders_30d,
    count(*) FILTER (WHERE amount >= 0 AND order_date > as_of - 90) AS orders_90d,
    count(*) FILTER (WHERE amount >= 0 AND order_date > as_of - 180) AS orders_180d,
    count(*) FILTER (WHERE amount >= 0 AND order_date > as_of - 365) AS orders_365d,
    coalesce(sum(amount) FILTER (WHERE order_date > as_of - 30), 0) AS spend_30d,
    coalesce(sum(amount) FILTER (WHERE order_date > as_of - 90), 0) AS spend_90d,
    coalesce(sum(amount) FILTER (WHERE order_date > as_of - 180), 0) AS spend_180d,
    coalesce(sum(amount) FILTER (WHERE order_date > as_of - 365), 0) AS spend_365d,
    count(*) FILTER (WHERE amount >= 0 AND order_date > as_of - 180 AND order_date <= as_of - 90) AS orders_prev_90d,
    coalesce(sum(amount) FILTER (WHERE order_date > as_of - 60 AND order_date <= as_of - 30), 0) AS spend_prev_30d,
    coalesce(sum(amount) FILTER (WHERE order_date > as_of - 180 AND order_date <= as_of - 90), 0) AS spend_prev_90d,
    coalesce(sum(amount) FILTER (WHERE order_date > as_of - 730 AND order_date <= as_of - 365), 0) AS spend_prev_365d
  FROM o GROUP BY position, as_of, customer_id
),
-- A category counts at a cutoff once its first row is on or before it.
categories AS (
  SELECT c.position, f.customer_id, count(f.category) AS category_count
  FROM (SELECT customer_id, category, min(order_date) AS since FROM src GROUP BY customer_id, category) f
  JOIN cut c ON f.since <= c.as_of
  GROUP BY c.position, f.customer_id
),
channel AS (
  SELECT position, customer_id, first(channel ORDER BY n DESC, channel) AS preferred_channel FROM (
    SELECT c.position, d.customer_id, d.channel, CAST(sum(d.n) AS BIGINT) AS n
    FROM (SELECT customer_id, channel, order_date, count(*) AS n FROM src WHERE amount >= 0 AND channel IS NOT NULL GROUP BY ALL) d
    JOIN cut c ON d.order_date <= c.as_of
    GROUP BY c.position, d.customer_id, d.channel
  ) GROUP BY position, customer_id
),
line_src AS (
  SELECT customer_id, order_id, order_date, quantity, product_id, product_name, category
  FROM query_table($lines) WHERE customer_id IS NOT NULL AND order_date <= (SELECT max(as_of) FROM cut)
),
-- An order's lines of one day, summed once (an order's lines may carry more than one date).
line_days AS (
  SELECT customer_id, order_id, order_date, sum(quantity) AS items, count(*) AS line_count FROM line_src GROUP BY ALL
),
line_orders AS (
  SELECT c.position, d.customer_id, d.order_id, CAST(sum(d.items) AS DOUBLE) AS items, CAST(sum(d.line_count) AS BIGINT) AS line_count
  FROM line_days d JOIN cut c ON d.order_date <= c.as_of
  GROUP BY c.position, d.customer_id, d.order_id
),
line_products AS (
  SELECT p.position, p.customer_id, p.distinct_products, k.category_count FROM (
    SELECT c.position, s.customer_id, count(s.product) AS distinct_products
    FROM (SELECT customer_id, coalesce(product_id, product_name) AS product, min(order_date) AS since FROM line_src WHERE quantity > 0 GROUP BY ALL) s
    JOIN cut c ON s.since <= c.as_of GROUP BY c.position, s.customer_id
  ) p JOIN (
    SELECT c.position, s.customer_id, count(s.category) AS category_count
    FROM (SELECT customer_id, category, min(order_date) AS since FROM line_src WHERE quantity > 0 GROUP BY ALL) s
    JOIN cut c ON s.since <= c.as_of GROUP BY c.position, s.customer_id
  ) k USING (position, customer_id)
),
lines AS (
  SELECT o.position, o.customer_id,
    sum(o.items) FILTER (WHERE o.items > 0) / nullif(count(*) FILTER (WHERE o.items > 0), 0) AS avg_basket_items,
    avg(o.line_count) FILTER (WHERE o.items > 0) AS avg_basket_lines,
    any_value(p.distinct_products) AS distinct_products,
    any_value(p.category_count) AS category_count,
    -sum(o.items) FILTER (WHERE o.items < 0) / nullif(sum(o.items) FILTER (WHERE o.items > 0), 0) AS returned_items_share
  FROM line_orders o LEFT JOIN line_products p USING (position, customer_id)
  GROUP BY o.position, o.customer_id
),
t AS (
  SELECT c.position, k.customer_id,
    count(*) FILTER (WHERE k.opened_date > c.as_of - 365) AS tickets_365d,
    count(*) FILTER (WHERE k.kind = 'complaint' AND k.opened_date > c.as_of - 90) AS complaints_90d,
    count(*) FILTER (WHERE k.kind = 'complaint' AND k.opened_date > c.as_of - 365) AS complaints_365d,
    count(*) FILTER (WHERE k.kind = 'complaint' AND k.resolved IS DISTINCT FROM true) AS unresolved_complaints,
    c.as_of - max(k.opened_date) FILTER (WHERE k.kind = 'complaint') AS days_since_last_complaint
  FROM query_table($tickets) k JOIN cut c ON k.opened_date <= c.as_of
  GROUP BY c.position, c.as_of, k.customer_id
),
labels AS (
  SELECT c.position, r.customer_id,
    count(*) FILTER (WHERE r.amount >= 0) AS future_orders,
    sum(r.amount) AS future_spend
  FROM query_table($orders) r JOIN cut c ON r.order_date > c.as_of AND r.order_date <= c.as_of + $horizon
  WHERE r.customer_id IS NOT NULL
  GROUP BY c.position, r.customer_id
)
SELECT
  k.customer_id,
  cut.as_of,
  k.first_order_date,
  k.last_order_date,
  cut.as_of - k.last_order_date AS recency_days,
  cut.as_of - k.first_order_date AS tenure_days,
  m.orders_count,
  k.purchase_days,
  CAST(m.net_spend AS MONEY) AS net_spend,
  CAST(m.gross_spend AS MONEY) AS gross_spend,
  round(m.gross_spend / m.orders_count, 2) AS avg_order_value,
  m.max_order_value,
  k.gap_mean_days,
  k.gap_std_days,
  (cut.as_of - k.last_order_date) - k.gap_mean_days AS days_overdue,
  (cut.as_of - k.last_order_date) / nullif(k.gap_mean_days, 0) AS overdue_ratio,
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
  coalesce(li.category_count, cat.category_count) AS category_count,
  ch.preferred_channel,
  coalesce(t.tickets_365d, 0) AS tickets_365d,
  coalesce(t.complaints_90d, 0) AS complaints_90d,
  coalesce(t.complaints_365d, 0) AS complaints_365d,
  coalesce(t.unresolved_complaints, 0) AS unresolved_complaints,
  t.days_since_last_complaint,
  CASE WHEN u.birth_date <= cut.as_of THEN date_diff('year', u.birth_date, cut.as_of) - CASE WHEN strftime(u.birth_date, '%m%d') > strftime(cut.as_of, '%m%d') THEN 1 ELSE 0 END END AS age_years,
  CASE WHEN u.signup_date <= cut.as_of THEN cut.as_of - u.signup_date END AS signup_tenure_days,
  u.country,
  li.avg_basket_items,
  li.avg_basket_lines,
  li.distinct_products,
  coalesce(li.returned_items_share, CASE WHEN li.customer_id IS NOT NULL THEN 0.0 END) AS returned_items_share,
  cut.split,
  coalesce(l.future_orders, 0) AS future_orders,
  coalesce(l.future_spend, 0) AS future_spend,
  coalesce(l.future_orders, 0) = 0 AS churned
FROM known k
JOIN cut USING (position)
JOIN money m USING (position, customer_id)
LEFT JOIN categories cat USING (position, customer_id)
LEFT JOIN channel ch USING (position, customer_id)
LEFT JOIN t USING (position, customer_id)
LEFT JOIN customers u USING (customer_id)
LEFT JOIN lines li USING (position, customer_id)
LEFT JOIN labels l USING (position, customer_id)
ORDER BY k.position, k.customer_id
