-- features_carried: the figures of the customers customer_features carries from its previous
-- table (featuresState.ts): those whose orders and order lines are what they were when it was
-- built (features_state's fingerprints equal the fresh ones of features_fingerprints.sql, in the
-- temp table features_next) and who have no row dated since its as-of (not in features_touched:
-- the temp table features_carried_next holds the others with features_next's figures for them, so
-- that the planner knows them to be most customers; filtered here by NOT IN, they were estimated at
-- a fifth, and customer_features.sql's join with the customers built its hash table on these rows,
-- forty columns wide, instead of on the customers' four).
-- Every figure their rows alone give is theirs unchanged (a customer's features read only the
-- customer's own rows); the windows, which move with the as-of, are moved to the new as-of: the
-- ones the previous table stores by the rows that entered and left them since (the temp table
-- features_window_changes, features_window_changes.sql; a customer with none there kept them),
-- the two it does not store as features_next computed them at the new as-of (features_carried_next). customer_features.sql
-- takes these rows beside the ones it computes (customer_rows) and derives every other column,
-- recency to tickets, from both alike; tests/features/featuresState holds the carried table equal
-- to the one built from every row.
SELECT p.customer_id, p.first_order_date, p.last_order_date, p.orders_count, p.purchase_days,
  p.net_spend, p.gross_spend, p.max_order_value, p.gap_mean_days, p.gap_std_days,
  p.refund_count, p.refunded_value, p.discount_share, p.category_count, p.preferred_channel,
  p.avg_basket_items, p.avg_basket_lines, p.distinct_products, p.returned_items_share, p.weekend_share, p.top_category,
  p.repeat_purchase_spend, p.repeat_refunds,
  -- counts as BIGINT and sums as DECIMAL(38, 2), the types customer_features.sql's aggregate gives them
  p.orders_30d + coalesce(c.orders_30d, 0) AS orders_30d,
  p.orders_90d + coalesce(c.orders_90d, 0) AS orders_90d,
  p.orders_180d + coalesce(c.orders_180d, 0) AS orders_180d,
  p.orders_365d + coalesce(c.orders_365d, 0) AS orders_365d,
  CAST(p.spend_30d AS DECIMAL(38, 2)) + coalesce(c.spend_30d, 0) AS spend_30d,
  CAST(p.spend_90d AS DECIMAL(38, 2)) + coalesce(c.spend_90d, 0) AS spend_90d,
  CAST(p.spend_180d AS DECIMAL(38, 2)) + coalesce(c.spend_180d, 0) AS spend_180d,
  CAST(p.spend_365d AS DECIMAL(38, 2)) + coalesce(c.spend_365d, 0) AS spend_365d,
  p.orders_prev_90d + coalesce(c.orders_prev_90d, 0) AS orders_prev_90d,
  n.spend_prev_30d,
  CAST(p.spend_prev_90d AS DECIMAL(38, 2)) + coalesce(c.spend_prev_90d, 0) AS spend_prev_90d,
  n.spend_prev_365d
FROM customer_features p
JOIN features_carried_next n USING (customer_id)
LEFT JOIN features_window_changes c USING (customer_id)
