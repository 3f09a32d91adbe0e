-- features_carried: the figures of the customers customer_features carries from its previous
-- table (featuresState.ts): those whose orders and order lines are what they were when it was
-- built (features_state's fingerprints equal the fresh ones of features_fingerprints.sql, in the
-- temp table features_next) and who have no row dated since its as-of (not in features_touched).
-- Every figure their rows alone give is theirs unchanged (a customer's features read only the
-- customer's own rows); the windows, which move with the as-of, are features_next's, at the new
-- as-of. customer_features.sql takes these rows beside the ones it computes (customer_rows) and
-- derives every other column, recency to tickets, from both alike; tests/features/featuresState
-- holds the carried table equal to the one built from every row.
SELECT p.customer_id, p.first_order_date, p.last_order_date, p.orders_count, p.purchase_days,
  p.net_spend, p.gross_spend, p.max_order_value, p.gap_mean_days, p.gap_std_days,
  p.refund_count, p.refunded_value, p.discount_share, p.category_count, p.preferred_channel,
  p.avg_basket_items, p.avg_basket_lines, p.distinct_products, p.returned_items_share, p.weekend_share, p.top_category,
  p.repeat_purchase_spend,
  n.orders_30d, n.orders_90d, n.orders_180d, n.orders_365d, n.spend_30d, n.spend_90d, n.spend_180d, n.spend_365d,
  n.orders_prev_90d, n.spend_prev_30d, n.spend_prev_90d, n.spend_prev_365d
FROM customer_features p
JOIN features_next n USING (customer_id)
WHERE customer_id NOT IN (SELECT customer_id FROM features_touched)
