-- features_window_changes: for every customer with an order dated where a window of
-- customer_features moves between $since and $as_of (both DATEs, $since <= $as_of), how much
-- each window customer_features stores changes from the one to the other: a window of the
-- days (t - a, t - b] gains the rows dated in ($since - b, $as_of - b] and loses those dated in
-- ($since - a, $as_of - a], whatever the days between (the two sets may overlap: a row in both
-- is gained and lost). The windows and their rows are customer_features.sql's (counts of
-- purchases, amount >= 0; sums of every amount, refunds included). featuresState.ts adds these
-- changes to the carried customers' windows as of $since (features_carried.sql): the windows as
-- of $as_of, exactly, from the few days' rows at the windows' edges instead of every order.
WITH r AS (
  SELECT customer_id, order_date AS d, amount, amount >= 0 AS purchase
  FROM orders
  WHERE customer_id IS NOT NULL AND (
    (order_date > $since AND order_date <= $as_of)
    OR (order_date > $since - 30 AND order_date <= $as_of - 30)
    OR (order_date > $since - 90 AND order_date <= $as_of - 90)
    OR (order_date > $since - 180 AND order_date <= $as_of - 180)
    OR (order_date > $since - 365 AND order_date <= $as_of - 365))
),
-- Each edge once: e<k> holds the purchases (n) and the sum of every amount (s) dated in ($since - k, $as_of - k].
edges AS (
  SELECT customer_id,
    count(*) FILTER (WHERE purchase AND d > $since AND d <= $as_of) AS n0,
    coalesce(sum(amount) FILTER (WHERE d > $since AND d <= $as_of), 0) AS s0,
    count(*) FILTER (WHERE purchase AND d > $since - 30 AND d <= $as_of - 30) AS n30,
    coalesce(sum(amount) FILTER (WHERE d > $since - 30 AND d <= $as_of - 30), 0) AS s30,
    count(*) FILTER (WHERE purchase AND d > $since - 90 AND d <= $as_of - 90) AS n90,
    coalesce(sum(amount) FILTER (WHERE d > $since - 90 AND d <= $as_of - 90), 0) AS s90,
    count(*) FILTER (WHERE purchase AND d > $since - 180 AND d <= $as_of - 180) AS n180,
    coalesce(sum(amount) FILTER (WHERE d > $since - 180 AND d <= $as_of - 180), 0) AS s180,
    count(*) FILTER (WHERE purchase AND d > $since - 365 AND d <= $as_of - 365) AS n365,
    coalesce(sum(amount) FILTER (WHERE d > $since - 365 AND d <= $as_of - 365), 0) AS s365
  FROM r
  GROUP BY customer_id
)
-- A window (t - a, t - b]: what entered at its edge b less what left at its edge a.
SELECT customer_id,
  n0 - n30 AS orders_30d, n0 - n90 AS orders_90d, n0 - n180 AS orders_180d, n0 - n365 AS orders_365d,
  s0 - s30 AS spend_30d, s0 - s90 AS spend_90d, s0 - s180 AS spend_180d, s0 - s365 AS spend_365d,
  -- the 90 days before the last 90: (t - 180, t - 90]
  n90 - n180 AS orders_prev_90d, s90 - s180 AS spend_prev_90d
FROM edges
