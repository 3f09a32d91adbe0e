-- kpis_monthly: one row per calendar month from the first order's month to
-- as_of's month, from orders dated on or before $as_of, in $currency.
--
--   month                first day of the month
--   is_partial_month     true for as_of's month when as_of is not its last day
--   revenue              net: orders placed in the month minus refunds issued in it,
--                        guest orders (no customer_id) included
--   gross_revenue        orders placed in the month (amount >= 0), before the refunds an export
--                        states on the order itself (amount_refunded)
--   refunds              refunds issued in the month, as a positive amount: refund rows, and the
--                        refunds an export states on an order (dated with it: it gives no refund date)
--   guest_revenue        the part of revenue from guest orders (not scored: no customer)
--   orders               purchases placed in the month, guests' included
--   average_order_value  gross_revenue / orders
--   customers_active     customers with a purchase in the month
--   customers_total      customers whose first purchase is on or before the month's end
--   vips_active, vips_total   the same for this run's VIPs (membership as of as_of)
--   new_customers        customers whose first purchase is in the month
--   churned_customers    customers whose last purchase turned $horizon days old
--                        during the month with no purchase since; NULL in the months
--                        where it cannot be measured (the $horizon days before the
--                        month start before the first order)
--   churn_rate           churned_customers / customers with a purchase in the
--                        $horizon days before the month's first day; NULL where
--                        churned_customers is
--   mom_growth, yoy_growth    revenue against the previous month / the same month a year
--                        before; for the partial as-of month, against the same days
--                        (1 to as_of's day) of that month; NULL against a month the
--                        history does not cover whole (the first, when the first order
--                        is not on the 1st)
--   currency             the currency of every amount
--   cost                 with a costs configuration: orders x $cost_per_order + active customers x
--                        $cost_per_active_customer + the month's fixed cost (NULL without one)
--   net_profit           revenue x $gross_margin - cost (NULL without a costs configuration)
WITH o AS (
  SELECT customer_id, order_date, amount, coalesce(amount_refunded, 0) AS refunded FROM orders WHERE order_date <= $as_of
),
-- from the orders themselves, not from o: read once, o is not kept whole (ten million rows) for a second reader
span AS (SELECT min(order_date) AS first_date FROM orders WHERE order_date <= $as_of),
months AS (
  SELECT CAST(m AS DATE) AS month FROM range(
    CAST(date_trunc('month', (SELECT first_date FROM span)) AS TIMESTAMP),
    CAST(date_trunc('month', CAST($as_of AS DATE)) AS TIMESTAMP) + INTERVAL 1 MONTH,
    INTERVAL 1 MONTH) t(m)
),
vips AS (SELECT customer_id FROM customer_scores WHERE is_vip),
-- Each customer's purchase days in date order (kpis_customer_days: distinct days on or before $as_of,
-- kpisCustomerDays.ts), each with the purchase day before (NULL before the first) and after (NULL after
-- the last). Every count per month below comes from these rows: a customer's first purchase of a month
-- is a day whose day before is in an earlier month (none: the first purchase), so no distinct count and
-- no second grouping. Months are counted as integers (year * 12 + month - 1) and made dates again once
-- per month.
days AS MATERIALIZED (
  SELECT customer_id,
    unnest(days) AS order_date,
    unnest(list_prepend(CAST(NULL AS DATE), list_slice(days, 1, len(days) - 1))) AS prev_date,
    unnest(list_append(days[2:], CAST(NULL AS DATE))) AS next_date
  -- a customer with no purchase day on or before $as_of (refunds, later orders or order lines only) has none
  FROM kpis_customer_days WHERE days IS NOT NULL
),
-- the rows that start a customer's month (active that month) or a customer (first purchase)
starts AS (
  SELECT year(order_date) * 12 + month(order_date) - 1 AS mi, prev_date IS NULL AS is_first,
    customer_id IN (SELECT customer_id FROM vips) AS is_vip
  FROM days
  WHERE prev_date IS NULL OR year(prev_date) * 12 + month(prev_date) <> year(order_date) * 12 + month(order_date)
),
start_counts AS (
  SELECT CAST(make_date(CAST(mi // 12 AS INTEGER), CAST(mi % 12 + 1 AS INTEGER), 1) AS DATE) AS month,
    count(*) AS customers_active, count(*) FILTER (WHERE is_vip) AS vips_active,
    count(*) FILTER (WHERE is_first) AS new_customers, count(*) FILTER (WHERE is_first AND is_vip) AS new_vips
  FROM starts GROUP BY mi
),
-- each purchase day with the next purchase day
last_of_day AS (SELECT customer_id, order_date, next_date FROM days),
monthly AS (
  SELECT date_trunc('month', order_date) AS month,
    sum(amount) AS revenue,
    sum(amount) FILTER (WHERE day(order_date) <= day(CAST($as_of AS DATE))) AS revenue_to_as_of_day,
    coalesce(sum(amount + refunded) FILTER (WHERE amount >= 0), 0) AS gross_revenue,
    coalesce(-sum(amount) FILTER (WHERE amount < 0), 0) + coalesce(sum(refunded) FILTER (WHERE amount >= 0), 0) AS refunds,
    coalesce(sum(amount) FILTER (WHERE customer_id IS NULL), 0) AS guest_revenue,
    count(*) FILTER (WHERE amount >= 0) AS orders
  FROM o GROUP BY ALL
),
churn_counts AS (
  -- a purchase day followed by no purchase for $horizon days: the customer churns on day + horizon
  SELECT CAST(date_trunc('month', order_date + $horizon) AS DATE) AS month, count(*) AS churned FROM last_of_day
  WHERE coalesce(next_date, DATE '9999-12-31') > order_date + $horizon AND order_date + $horizon <= $as_of
  GROUP BY ALL
),
-- The churn rate's base: customers with a purchase in the $horizon days before each month's first day.
-- A customer's last purchase day d before a month start m is the purchase day whose next purchase day
-- n comes on or after m, so the customer is in m's base through d exactly when d < m <= least(n, d +
-- $horizon): these spans are disjoint per customer, each counted as +1 at its first month start and -1
-- after its last, and the base is their running sum (no join of months with purchase days). As an
-- integer month, the month after a date's is year * 12 + month.
base_spans AS (
  SELECT year(order_date) * 12 + month(order_date) AS span_start,
    year(least(coalesce(next_date, DATE '9999-12-31'), order_date + $horizon)) * 12
      + month(least(coalesce(next_date, DATE '9999-12-31'), order_date + $horizon)) AS span_end
  FROM last_of_day
),
base_changes AS (
  SELECT CAST(make_date(CAST(mi // 12 AS INTEGER), CAST(mi % 12 + 1 AS INTEGER), 1) AS DATE) AS month, change FROM (
    SELECT mi, sum(change) AS change FROM (
      SELECT span_start AS mi, 1 AS change FROM base_spans WHERE span_start < span_end
      UNION ALL
      SELECT span_end, -1 FROM base_spans WHERE span_start < span_end
    ) GROUP BY mi
  ) WHERE mi < 10000 * 12 -- make_date's years end at 9999
),
at_risk AS (
  SELECT m.month, CAST(sum(coalesce(c.change, 0)) OVER (ORDER BY m.month) AS BIGINT) AS at_risk_base
  FROM months m LEFT JOIN base_changes c USING (month)
),
k AS (
  SELECT
    m.month,
    (m.month = date_trunc('month', CAST($as_of AS DATE)) AND CAST($as_of AS DATE) < CAST(m.month + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE)) AS is_partial_month,
    -- the first month lacks its first days when the history starts after the 1st
    (m.month = date_trunc('month', (SELECT first_date FROM span)) AND day((SELECT first_date FROM span)) > 1) AS is_cut_at_start,
    coalesce(x.revenue, 0) AS revenue,
    coalesce(x.revenue_to_as_of_day, 0) AS revenue_to_as_of_day,
    coalesce(x.gross_revenue, 0) AS gross_revenue,
    coalesce(x.refunds, 0) AS refunds,
    coalesce(x.guest_revenue, 0) AS guest_revenue,
    coalesce(x.orders, 0) AS orders,
    round(x.gross_revenue / nullif(x.orders, 0), 2) AS average_order_value,
    coalesce(fc.customers_active, 0) AS customers_active,
    sum(coalesce(fc.new_customers, 0)) OVER (ORDER BY m.month) AS customers_total,
    coalesce(fc.vips_active, 0) AS vips_active,
    sum(coalesce(fc.new_vips, 0)) OVER (ORDER BY m.month) AS vips_total,
    coalesce(fc.new_customers, 0) AS new_customers,
    -- measurable once the horizon before the month's start lies within the history
    CASE WHEN m.month - $horizon >= (SELECT first_date FROM span) THEN coalesce(cc.churned, 0) END AS churned_customers,
    coalesce(ar.at_risk_base, 0) AS at_risk_base
  FROM months m LEFT JOIN monthly x USING (month) LEFT JOIN start_counts fc USING (month) LEFT JOIN churn_counts cc USING (month)
    LEFT JOIN at_risk ar USING (month)
),
compared AS (
  SELECT *,
    CASE WHEN is_partial_month THEN lag(revenue_to_as_of_day) OVER w ELSE lag(revenue) OVER w END AS revenue_month_before,
    lag(is_cut_at_start) OVER w AS month_before_cut,
    CASE WHEN is_partial_month THEN lag(revenue_to_as_of_day, 12) OVER w ELSE lag(revenue, 12) OVER w END AS revenue_year_before,
    lag(is_cut_at_start, 12) OVER w AS year_before_cut
  FROM k WINDOW w AS (ORDER BY month)
)
SELECT
  month, is_partial_month, revenue, gross_revenue, refunds, orders, average_order_value,
  customers_active, customers_total, vips_active, vips_total, new_customers, churned_customers,
  churned_customers / nullif(at_risk_base, 0) AS churn_rate,
  CASE WHEN NOT month_before_cut THEN revenue / nullif(revenue_month_before, 0) - 1 END AS mom_growth,
  CASE WHEN NOT year_before_cut THEN revenue / nullif(revenue_year_before, 0) - 1 END AS yoy_growth,
  CASE WHEN $has_costs THEN orders * $cost_per_order + customers_active * $cost_per_active_customer
    + coalesce((SELECT cost FROM monthly_costs mc WHERE mc.month = compared.month), 0) END AS cost,
  CASE WHEN $has_costs THEN revenue * $gross_margin - (orders * $cost_per_order + customers_active * $cost_per_active_customer
    + coalesce((SELECT cost FROM monthly_costs mc WHERE mc.month = compared.month), 0)) END AS net_profit,
  guest_revenue,
  CAST($currency AS VARCHAR) AS currency
FROM compared
ORDER BY month
