-- features_fingerprints: for every customer with an order or an order line (of any date),
-- what customer_features.sql reads of their rows, as a fingerprint (the rows and a sum of
-- their hashes, of the orders and of the order lines), how many of those rows are dated in
-- ($since, $as_of] (not yet read by features as of $since; none when $since is NULL), and the
-- two sums of the windows customer_features does not store (its mom_spend_change and
-- yoy_spend_change read them), at $as_of, each as customer_features.sql's aggregate `m`
-- computes it. featuresState.ts keeps the fingerprints beside customer_features
-- (features_state): a later run rebuilds from their orders only the customers whose
-- fingerprint changed or who have rows since, and takes everyone else's other features as they
-- were (features_carried.sql), their stored windows moved to the new as-of by the rows that
-- entered and left them (features_window_changes.sql). A sum of 64-bit hashes with the row
-- count: any change to a customer's rows changes it but with a chance of about 2^-64.
WITH o AS (
  SELECT customer_id,
    count(*) AS order_rows,
    sum(hash(order_date, amount, category, channel, discount_used)) AS order_hash,
    count(*) FILTER (WHERE order_date > $since AND order_date <= $as_of) AS order_rows_since,
    coalesce(sum(amount) FILTER (WHERE order_date > $as_of - 60 AND order_date <= $as_of - 30), 0) AS spend_prev_30d,
    coalesce(sum(amount) FILTER (WHERE order_date > $as_of - 730 AND order_date <= $as_of - 365), 0) AS spend_prev_365d
  FROM orders WHERE customer_id IS NOT NULL
  GROUP BY customer_id
),
l AS (
  SELECT customer_id,
    count(*) AS line_rows,
    sum(hash(order_id, order_date, quantity, product_id, product_name, category)) AS line_hash,
    count(*) FILTER (WHERE order_date > $since AND order_date <= $as_of) AS line_rows_since
  FROM order_lines WHERE customer_id IS NOT NULL
  GROUP BY customer_id
)
SELECT * FROM o FULL JOIN l USING (customer_id)
