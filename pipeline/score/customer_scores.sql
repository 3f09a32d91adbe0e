-- customer_scores: one row per customer known at as_of (customer_features),
-- joined with the churn champion's scores (churn_scores), the value
-- champion's (value_scores) and the BTYD model's (btyd_scores). Parameters
-- come from the config (see README, "customer_scores").
--
--   churn_probability   P(no purchase in (as_of, as_of + horizon]) from the churn model
--   churn_risk          low < $medium_risk <= medium < $high_risk <= high
--   p_alive             the value model's (BG/NBD or Pareto/NBD) probability that the customer is still active
--   expected_purchases  the value model's expected purchase days in the horizon (_p10, _p90: over parameter uncertainty)
--   predicted_value     the value champion's expected spend in the horizon
--   predicted_clv_12m   expected spend over 12 months, each month discounted at the
--                       configured annual rate from its midpoint (_p10, _p90 as above)
--   historic_value      net spend to date (refunds deducted)
--   value_score         $predicted_weight x predicted_clv_12m + (1 - $predicted_weight) x max(historic_value, 0)
--   value_tier          quintiles of value_score, 1 = top fifth (ties broken by customer_id)
--   is_vip              pareto: the smallest top group carrying $vip_share of the
--                       value score, at most $vip_cap of customers; top_share: the top $vip_cap
--   r_score, f_score, m_score   1..5 quintiles of recency (5 = most recent), purchase days, net spend
--   segment             the RFM grid (README), 'new' for first purchase within $new_days
--   action              win_back, save, surprise, nurture, grow or none (README, "Actions")
--   action_priority     1 = first to act on within its action: highest value_at_risk, then CLV
--   value_at_risk       predicted_clv_12m x churn_probability
WITH base AS (
  SELECT
    f.customer_id,
    f.as_of,
    c.churn_probability,
    b.p_alive,
    coalesce(b.expected_purchases, 0) AS expected_purchases,
    b.expected_purchases_p10,
    b.expected_purchases_p90,
    v.predicted_clv_12m_p10,
    v.predicted_clv_12m_p90,
    coalesce(v.predicted_value, 0) AS predicted_value,
    coalesce(v.predicted_clv_12m, 0) AS predicted_clv_12m,
    CAST(f.net_spend AS DOUBLE) AS historic_value,
    f.orders_count,
    f.recency_days AS days_since_last_order,
    f.purchase_days,
    f.tenure_days,
    f.gap_mean_days,
    f.days_overdue,
    f.trend_90d,
    f.unresolved_complaints,
    f.complaints_90d
  FROM customer_features f
  JOIN churn_scores c USING (customer_id)
  LEFT JOIN btyd_scores b USING (customer_id)
  LEFT JOIN value_scores v USING (customer_id)
),
valued AS (
  SELECT *,
    $predicted_weight * predicted_clv_12m + (1 - $predicted_weight) * greatest(historic_value, 0) AS value_score,
    CASE WHEN churn_probability >= $high_risk THEN 'high' WHEN churn_probability >= $medium_risk THEN 'medium' ELSE 'low' END AS churn_risk,
    ntile(5) OVER (ORDER BY days_since_last_order DESC, customer_id) AS r_score,
    ntile(5) OVER (ORDER BY purchase_days, orders_count, customer_id) AS f_score,
    ntile(5) OVER (ORDER BY historic_value, customer_id) AS m_score,
    count(*) OVER () AS n_customers,
    median(historic_value) OVER () AS median_historic_value
  FROM base
),
ranked AS (
  SELECT *,
    ntile(5) OVER (ORDER BY value_score DESC, customer_id) AS value_tier,
    row_number() OVER (ORDER BY value_score DESC, customer_id) AS value_rank,
    sum(greatest(value_score, 0)) OVER (ORDER BY value_score DESC, customer_id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS value_before,
    sum(greatest(value_score, 0)) OVER () AS value_total
  FROM valued
),
flagged AS (
  SELECT *,
    CASE $vip_rule
      WHEN 'top_share' THEN value_rank <= greatest(1, floor($vip_cap * n_customers))
      ELSE coalesce(value_before, 0) < $vip_share * value_total AND value_rank <= greatest(1, floor($vip_cap * n_customers))
    END AS is_vip,
    CAST(round((f_score + m_score) / 2.0 + 0.01) AS INTEGER) AS fm_score
  FROM ranked
),
segmented AS (
  SELECT *,
    CASE
      WHEN tenure_days <= $new_days THEN 'new'
      WHEN r_score >= 4 AND fm_score >= 4 AND (r_score = 5 OR fm_score = 5) THEN 'champions'
      WHEN r_score >= 3 AND fm_score >= 4 THEN 'loyal'
      WHEN r_score >= 4 AND fm_score >= 2 THEN 'potential_loyalist'
      WHEN r_score >= 4 THEN 'promising'
      WHEN r_score = 3 AND fm_score = 3 THEN 'need_attention'
      WHEN r_score = 3 THEN 'about_to_sleep'
      WHEN fm_score = 5 THEN 'cant_lose'
      WHEN fm_score >= 3 AND (r_score = 2 OR fm_score = 4) THEN 'at_risk'
      WHEN r_score = 2 OR fm_score = 3 THEN 'hibernating'
      ELSE 'lost'
    END AS segment,
    predicted_clv_12m * churn_probability AS value_at_risk
  FROM flagged
),
acted AS (
  SELECT *,
    CASE
      WHEN days_since_last_order >= $lapsed_days AND historic_value > median_historic_value THEN 'win_back'
      WHEN days_since_last_order >= $lapsed_days THEN 'none'
      WHEN (is_vip OR value_tier <= 2) AND churn_risk <> 'low' THEN 'save'
      WHEN (is_vip OR value_tier = 1) THEN 'surprise'
      WHEN tenure_days <= $new_days THEN 'nurture'
      WHEN value_tier IN (2, 3) AND churn_risk <> 'high' THEN 'grow'
      ELSE 'none'
    END AS action
  FROM segmented
)
SELECT
  customer_id,
  as_of,
  churn_probability,
  churn_risk,
  p_alive,
  expected_purchases,
  expected_purchases_p10,
  expected_purchases_p90,
  predicted_value,
  predicted_clv_12m,
  predicted_clv_12m_p10,
  predicted_clv_12m_p90,
  historic_value,
  orders_count,
  days_since_last_order,
  CASE WHEN expected_purchases >= 0.05 THEN CAST(as_of + CAST(ceil($horizon / expected_purchases) AS INTEGER) AS DATE) END AS expected_next_order_date,
  value_score,
  value_tier,
  is_vip,
  r_score,
  f_score,
  m_score,
  segment,
  action,
  row_number() OVER (PARTITION BY action ORDER BY value_at_risk DESC, predicted_clv_12m DESC, customer_id) AS action_priority,
  value_at_risk,
  concat_ws('; ',
    CASE WHEN days_overdue > 0 AND gap_mean_days > 0
      THEN 'no order for ' || days_since_last_order || ' days, ' || printf('%.1f', days_since_last_order / gap_mean_days) || 'x the usual gap of ' || CAST(round(gap_mean_days) AS INTEGER) || ' days'
      WHEN purchase_days = 1 AND days_since_last_order > 60 THEN 'one purchase only, ' || days_since_last_order || ' days ago' END,
    CASE WHEN trend_90d < -0.7 THEN 'spend in the last 90 days down ' || CAST(round(100 * (1 - exp(trend_90d))) AS INTEGER) || '% on the 90 before' END,
    CASE WHEN unresolved_complaints > 0 THEN unresolved_complaints || ' unresolved complaint' || CASE WHEN unresolved_complaints > 1 THEN 's' ELSE '' END END,
    CASE WHEN complaints_90d > 0 AND unresolved_complaints = 0 THEN complaints_90d || ' complaint' || CASE WHEN complaints_90d > 1 THEN 's' ELSE '' END || ' in the last 90 days' END
  ) AS reasons,
  CAST($model_version AS VARCHAR) AS model_version
FROM acted
ORDER BY customer_id
