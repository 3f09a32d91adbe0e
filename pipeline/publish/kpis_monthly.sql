-- kpis_monthly: one row per calendar month from the first order's month to
-- as_of's month, from orders dated on or before $as_of.
--
--   month                first day of the month
--   is_partial_month     true for as_of's month when as_of is not its last day
--   revenue              net: orders placed in the month minus refunds issued in it
--   gross_revenue        orders placed in the month (amount >= 0)
--   refunds              refunds issued in the month, as a positive amount
--   orders               purchases placed in the month
--   average_order_value  gross_revenue / orders
--   customers_active     customers with a purchase in the month
--   customers_total      customers whose first purchase is on or before the month's end
--   vips_active, vips_total   the same for this run's VIPs (membership as of as_of)
--   new_customers        customers whose first purchase is in the month
--   churned_customers    customers whose last purchase turned $horizon days old
--                        during the month with no purchase since
--   churn_rate           churned_customers / customers with a purchase in the
--                        $horizon days before the month's first day
--   mom_growth, yoy_growth    revenue against the previous month / the same month a year before
--   cost                 with a costs configuration: orders x $cost_per_order + active customers x
--                        $cost_per_active_customer + the month's fixed cost (NULL without one)
--   net_profit           revenue x $gross_margin - cost (NULL without a costs configuration)
WITH o AS (
  SELECT customer_id, order_date, amount FROM orders WHERE order_date <= $as_of
),
months AS (
  SELECT CAST(m AS DATE) AS month FROM range(
    CAST(date_trunc('month', (SELECT min(order_date) FROM o)) AS TIMESTAMP),
    CAST(date_trunc('month', CAST($as_of AS DATE)) AS TIMESTAMP) + INTERVAL 1 MONTH,
    INTERVAL 1 MONTH) t(m)
),
firsts AS (
  SELECT customer_id, min(order_date) AS first_date FROM o WHERE amount >= 0 GROUP BY customer_id
),
vips AS (SELECT customer_id FROM customer_scores WHERE is_vip),
days AS (SELECT DISTINCT customer_id, order_date FROM o WHERE amount >= 0),
churn_events AS (
  -- a purchase day followed by no purchase for $horizon days: the customer churns on day + horizon
  SELECT customer_id, order_date + $horizon AS churn_date FROM (
    SELECT customer_id, order_date, lead(order_date) OVER (PARTITION BY customer_id ORDER BY order_date) AS next_date FROM days
  ) WHERE coalesce(next_date, DATE '9999-12-31') > order_date + $horizon AND order_date + $horizon <= $as_of
),
monthly AS (
  SELECT date_trunc('month', order_date) AS month,
    sum(amount) AS revenue,
    coalesce(sum(amount) FILTER (WHERE amount >= 0), 0) AS gross_revenue,
    coalesce(-sum(amount) FILTER (WHERE amount < 0), 0) AS refunds,
    count(*) FILTER (WHERE amount >= 0) AS orders,
    count(DISTINCT customer_id) FILTER (WHERE amount >= 0) AS customers_active,
    count(DISTINCT customer_id) FILTER (WHERE amount >= 0 AND customer_id IN (SELECT customer_id FROM vips)) AS vips_active
  FROM o GROUP BY ALL
),
k AS (
  SELECT
    m.month,
    (m.month = date_trunc('month', CAST($as_of AS DATE)) AND CAST($as_of AS DATE) < CAST(m.month + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE)) AS is_partial_month,
    coalesce(x.revenue, 0) AS revenue,
    coalesce(x.gross_revenue, 0) AS gross_revenue,
    coalesce(x.refunds, 0) AS refunds,
    coalesce(x.orders, 0) AS orders,
    round(x.gross_revenue / nullif(x.orders, 0), 2) AS average_order_value,
    coalesce(x.customers_active, 0) AS customers_active,
    (SELECT count(*) FROM firsts f WHERE f.first_date < m.month + INTERVAL 1 MONTH) AS customers_total,
    coalesce(x.vips_active, 0) AS vips_active,
    (SELECT count(*) FROM firsts f WHERE f.first_date < m.month + INTERVAL 1 MONTH AND f.customer_id IN (SELECT customer_id FROM vips)) AS vips_total,
    (SELECT count(*) FROM firsts f WHERE date_trunc('month', f.first_date) = m.month) AS new_customers,
    (SELECT count(*) FROM churn_events e WHERE date_trunc('month', e.churn_date) = m.month) AS churned_customers,
    (SELECT count(DISTINCT customer_id) FROM days d WHERE d.order_date >= m.month - $horizon AND d.order_date < m.month) AS at_risk_base
  FROM months m LEFT JOIN monthly x USING (month)
)
SELECT
  month, is_partial_month, revenue, gross_revenue, refunds, orders, average_order_value,
  customers_active, customers_total, vips_active, vips_total, new_customers, churned_customers,
  churned_customers / nullif(at_risk_base, 0) AS churn_rate,
  revenue / nullif(lag(revenue) OVER (ORDER BY month), 0) - 1 AS mom_growth,
  revenue / nullif(lag(revenue, 12) OVER (ORDER BY month), 0) - 1 AS yoy_growth,
  CASE WHEN $has_costs THEN orders * $cost_per_order + customers_active * $cost_per_active_customer
    + coalesce((SELECT cost FROM monthly_costs mc WHERE mc.month = k.month), 0) END AS cost,
  CASE WHEN $has_costs THEN revenue * $gross_margin - (orders * $cost_per_order + customers_active * $cost_per_active_customer
    + coalesce((SELECT cost FROM monthly_costs mc WHERE mc.month = k.month), 0)) END AS net_profit
FROM k
ORDER BY month
