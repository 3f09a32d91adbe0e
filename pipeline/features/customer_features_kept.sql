-- customer_features_kept: the rows of customer_features at $as_of of the customers whose orders
-- and order lines are what they were when the previous customer_features was built
-- (features_state's fingerprints equal the fresh ones of features_fingerprints.sql, in the temp
-- table features_next) and have no row dated since it ($since, its as-of): every figure of
-- customer_features.sql that depends on their rows alone is theirs unchanged (a customer's
-- features read only the customer's own rows), and what moves with the as-of is computed again,
-- with customer_features.sql's own expressions: the days since the first and last purchase and
-- what follows from them, the windows (from features_next), the tickets' and the customers'
-- figures (from the tickets and customers tables, as they are now). featuresState.ts builds
-- the other customers from their rows with customer_features.sql; tests/features/featuresState
-- holds the two ways equal, value for value and type for type.
WITH kept AS (
  SELECT p.* EXCLUDE (orders_30d, orders_90d, orders_180d, orders_365d, spend_30d, spend_90d, spend_180d, spend_365d, orders_prev_90d, spend_prev_90d),
    n.orders_30d, n.orders_90d, n.orders_180d, n.orders_365d, n.spend_30d, n.spend_90d, n.spend_180d, n.spend_365d,
    n.orders_prev_90d, n.spend_prev_30d, n.spend_prev_90d, n.spend_prev_365d
  FROM customer_features p
  JOIN features_next n USING (customer_id)
  WHERE customer_id NOT IN (SELECT customer_id FROM features_touched)
),
t AS (
  SELECT customer_id,
    count(*) FILTER (WHERE opened_date > $as_of - 365) AS tickets_365d,
    count(*) FILTER (WHERE kind = 'complaint' AND opened_date > $as_of - 90) AS complaints_90d,
    count(*) FILTER (WHERE kind = 'complaint' AND opened_date > $as_of - 365) AS complaints_365d,
    count(*) FILTER (WHERE kind = 'complaint' AND resolved IS DISTINCT FROM true) AS unresolved_complaints,
    $as_of - max(opened_date) FILTER (WHERE kind = 'complaint') AS days_since_last_complaint
  FROM tickets WHERE opened_date <= $as_of GROUP BY customer_id
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
  m.net_spend,
  m.gross_spend,
  m.avg_order_value,
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
  m.refunded_value,
  m.refund_rate,
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
  m.top_category
FROM kept m
LEFT JOIN t USING (customer_id)
LEFT JOIN c USING (customer_id)
