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
--                       value score, at most $vip_cap of customers; top_share: the top $vip_cap;
--                       expression: the configured SQL condition (inlined where the marker stands)
--   r_score, f_score, m_score   1..5 quintiles of recency (5 = most recent), purchase days, net spend
--   segment             the RFM grid (README), 'new' for first purchase within $new_days; the recency it reads is at
--                       most 2 for a customer at high churn risk who has not bought recently (what they are now)
--   action              win_back, save, surprise, nurture, grow or none (README, "Actions")
--   action_priority     1 = first to act on within its action: highest value_kept, then value_at_risk, then CLV
--   value_at_risk       predicted_clv_12m x churn_probability (the CLV already holds the chance of leaving: counted
--                       twice down for the riskiest; kept for the contract, value_kept ranks)
--   avg_days_between_orders   mean gap between purchase days (NULL with one purchase day)
--   reasons             what drives the churn score, in words; a customer's "usual gap" is their own with at
--                       least two gaps between purchase days, otherwise the typical one; a customer who bought
--                       within $recent_share of it gets no silence reason and is never given save
--   birthday_next_30d, signup_anniversary_next_30d   from the customers input, within (as_of, as_of + 30]
--   flags               high-impact flags beyond spend: top_value, high_frequency, vip_with_complaints, opted_out
--   is_control          in the control group: one of the customers the budget would contact for the action, held
--                       back (a seeded $control_share of customers, the same for every action) to measure its effect
--   contact             to be contacted for the action: not opted out, not control, not in cooldown, within budget
--   contact_blocked_by  why an action's customer is not contacted: opted_out, control, cooldown, negative_uplift
--                       (the action's uplift model, used by the budget, predicts contact makes them likelier to leave)
--                       or budget
--   expected_value_retained   for contacted customers, value_kept + the cost of the contact: value_if_retained x
--                             churn_probability x the action's rate, at most predicted_clv_12m (before issue 18:
--                             value_at_risk x the rate); value_if_retained x predicted_uplift, bound alike, where the
--                             budget uses the action's uplift model
--   predicted_uplift    the action's uplift model's P(buy | proposed) - P(buy | control) for the customer (uplift_terms,
--                       upliftModel.ts); NULL without an action or a model
--   currency            the currency of every amount above
--   value_if_retained   the 12-month value if the customer stays: the BTYD model's 12-month CLV / its P(alive), the
--                       value given alive (predicted_clv_12m where P(alive) < $min_p_alive or there is none), at most
--                       the customer's yearly spend to date (net spend x 365 / max(tenure, 365)) or predicted_clv_12m,
--                       whichever is larger: a save brings a customer back as they were, not better
--   value_kept          what contacting can keep: value_if_retained x churn_probability x the action's rate, at most
--                       predicted_clv_12m, - cost per contact (NULL without an action); the budget and action_priority rank by it
--                       (value_if_retained x predicted_uplift, bound alike, where the budget uses the action's uplift model)
--   is_ambassador       to invite into a refer-a-friend programme: value tier <= $amb_max_tier (or the value credited
--                       with referrals reaching that tier), at least
--                       $amb_min_purchase_days purchase days, tenure >= $amb_min_tenure_days, low churn risk, no
--                       unresolved complaint, an order within $amb_max_days days, not opted out, in no action's control group
--   referred_customers customers this one referred by as_of who are scored (a referred id that never bought
--                      is not a customer yet; 0 without the referrals input)
--   referred_value     the value scores of those customers: credited to the referrer, it counts towards the
--                      ambassador rule's value (own value score + referred_value at least the least score in the
--                      ambassador tiers) and orders `fidelio list ambassador`
--   persona_id, persona the customer's buyer persona (personas.ts; NULL where the base is too small to cluster)
WITH base AS (
  SELECT
    f.customer_id,
    f.as_of,
    c.churn_probability,
    b.p_alive,
    b.clv_12m AS btyd_clv_12m,
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
    f.complaints_90d,
    coalesce(cu.opted_out, false) AS opted_out,
    cu.birth_date,
    cu.signup_date,
    cp.persona_id,
    pl.persona
  FROM customer_features f
  LEFT JOIN customers cu USING (customer_id)
  LEFT JOIN customer_personas cp USING (customer_id)
  LEFT JOIN persona_labels pl ON pl.persona_id = cp.persona_id
  JOIN churn_scores c USING (customer_id)
  LEFT JOIN btyd_scores b USING (customer_id)
  LEFT JOIN value_scores v USING (customer_id)
),
-- The rankings over everyone (quintiles, ranks, the running value share and the base's medians), computed on
-- the few columns they read: a window sorts every column it carries, and the rows of base carry forty.
scored AS (
  SELECT f.customer_id,
    $predicted_weight * coalesce(v.predicted_clv_12m, 0) + (1 - $predicted_weight) * greatest(CAST(f.net_spend AS DOUBLE), 0) AS value_score,
    f.recency_days AS days_since_last_order, f.purchase_days, f.orders_count, CAST(f.net_spend AS DOUBLE) AS historic_value, f.gap_mean_days
  FROM customer_features f
  JOIN churn_scores c USING (customer_id)
  LEFT JOIN value_scores v USING (customer_id)
),
-- The base's size and medians, and where each fifth of an order of everyone starts (its first row's place, counted
-- from 0): NTILE(5)'s fifths, q = n // 5 rows each and the first n % 5 of them one row more.
stats AS (
  SELECT count(*) AS n_customers,
    median(historic_value) AS median_historic_value,
    -- The typical gap between purchase days among customers with at least two gaps: the rhythm
    -- a customer with fewer is judged against (one gap, between two days of one visit, says nothing).
    median(gap_mean_days) FILTER (WHERE purchase_days >= 3) AS typical_gap_days
  FROM scored
),
fifths AS (
  SELECT n_customers // 5 + least(1, n_customers % 5) AS s2, 2 * (n_customers // 5) + least(2, n_customers % 5) AS s3,
    3 * (n_customers // 5) + least(3, n_customers % 5) AS s4, 4 * (n_customers // 5) + least(4, n_customers % 5) AS s5
  FROM stats
),
-- r_score and f_score: NTILE(5) of the orders by recency (days_since_last_order DESC, customer_id) and by frequency
-- (purchase_days, orders_count, customer_id), without sorting everyone (two sorts of a million rows). Those keys are
-- counts with few values: the customers are counted per key, the keys in order say the place of each one's first
-- customer (before), and a key whose customers all fall in one fifth gives them that fifth; only the customers of
-- the few keys across a fifth's edge are ranked, by customer id within their key. An unknown key (NULL) is last in
-- both orders, as DuckDB sorts NULLs: it stands as the extreme of the key's type (no count reaches it), so that the
-- customers meet their key by equality, which the planner sizes right (IS NOT DISTINCT FROM was estimated at a
-- thousand rows for a million and put the customers on the build side of the joins).
r_keys AS (
  SELECT k, before, before + g - 1 AS last FROM (
    SELECT k, g, coalesce(sum(g) OVER (ORDER BY k DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
    FROM (SELECT coalesce(days_since_last_order, -9223372036854775807) AS k, count(*) AS g FROM scored GROUP BY ALL)
  )
),
r_cut AS (
  SELECT k, before, 1 + CAST(before >= s2 AS BIGINT) + CAST(before >= s3 AS BIGINT) + CAST(before >= s4 AS BIGINT) + CAST(before >= s5 AS BIGINT) AS first_fifth,
    1 + CAST(last >= s2 AS BIGINT) + CAST(last >= s3 AS BIGINT) + CAST(last >= s4 AS BIGINT) + CAST(last >= s5 AS BIGINT) AS last_fifth
  FROM r_keys, fifths
),
r_tied AS (
  SELECT customer_id, 1 + CAST(place >= s2 AS BIGINT) + CAST(place >= s3 AS BIGINT) + CAST(place >= s4 AS BIGINT) + CAST(place >= s5 AS BIGINT) AS r_score
  FROM (
    SELECT s.customer_id, c.before + row_number() OVER (PARTITION BY c.k ORDER BY s.customer_id) - 1 AS place
    FROM scored s JOIN r_cut c ON coalesce(s.days_since_last_order, -9223372036854775807) = c.k WHERE c.first_fifth <> c.last_fifth
  ), fifths
),
f_keys AS (
  SELECT k1, k2, before, before + g - 1 AS last FROM (
    SELECT k1, k2, g, coalesce(sum(g) OVER (ORDER BY k1, k2 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
    FROM (SELECT coalesce(purchase_days, 9223372036854775807) AS k1, coalesce(orders_count, 9223372036854775807) AS k2, count(*) AS g FROM scored GROUP BY ALL)
  )
),
f_cut AS (
  SELECT k1, k2, before, 1 + CAST(before >= s2 AS BIGINT) + CAST(before >= s3 AS BIGINT) + CAST(before >= s4 AS BIGINT) + CAST(before >= s5 AS BIGINT) AS first_fifth,
    1 + CAST(last >= s2 AS BIGINT) + CAST(last >= s3 AS BIGINT) + CAST(last >= s4 AS BIGINT) + CAST(last >= s5 AS BIGINT) AS last_fifth
  FROM f_keys, fifths
),
f_tied AS (
  SELECT customer_id, 1 + CAST(place >= s2 AS BIGINT) + CAST(place >= s3 AS BIGINT) + CAST(place >= s4 AS BIGINT) + CAST(place >= s5 AS BIGINT) AS f_score
  FROM (
    SELECT s.customer_id, c.before + row_number() OVER (PARTITION BY c.k1, c.k2 ORDER BY s.customer_id) - 1 AS place
    FROM scored s JOIN f_cut c ON coalesce(s.purchase_days, 9223372036854775807) = c.k1 AND coalesce(s.orders_count, 9223372036854775807) = c.k2
    WHERE c.first_fifth <> c.last_fifth
  ), fifths
),
ranks AS (
  SELECT w.customer_id, w.value_score,
    CASE WHEN rc.first_fifth = rc.last_fifth THEN rc.first_fifth ELSE rt.r_score END AS r_score,
    CASE WHEN fc.first_fifth = fc.last_fifth THEN fc.first_fifth ELSE ft.f_score END AS f_score,
    w.m_score, st.n_customers, st.median_historic_value, st.typical_gap_days,
    w.value_tier, w.value_rank, w.value_before, w.value_total
  FROM (
    SELECT customer_id, value_score, days_since_last_order, purchase_days, orders_count,
      ntile(5) OVER (ORDER BY historic_value, customer_id) AS m_score,
      ntile(5) OVER (ORDER BY value_score DESC, customer_id) AS value_tier,
      row_number() OVER (ORDER BY value_score DESC, customer_id) AS value_rank,
      sum(greatest(value_score, 0)) OVER (ORDER BY value_score DESC, customer_id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS value_before,
      sum(greatest(value_score, 0)) OVER () AS value_total
    FROM scored
  ) w
  JOIN r_cut rc ON coalesce(w.days_since_last_order, -9223372036854775807) = rc.k
  LEFT JOIN r_tied rt ON rt.customer_id = w.customer_id
  JOIN f_cut fc ON coalesce(w.purchase_days, 9223372036854775807) = fc.k1 AND coalesce(w.orders_count, 9223372036854775807) = fc.k2
  LEFT JOIN f_tied ft ON ft.customer_id = w.customer_id
  CROSS JOIN stats st
),
-- The top shares the flags name (top_value, high_frequency): the first greatest(1, floor(share x customers))
-- customers of an order, not a rank of everyone (a window sorts them all).
-- top_value: the first rows by historic value, a top-N (DuckDB keeps only the first rows of a LIMIT that is a
-- number, and sorts everyone for one computed in the query). The caller's number is greatest(1, floor(share x
-- count(customer_features))): at least the number wanted, since scored has no more rows than customer_features
-- (churn_scores holds a customer at most once; rankCustomers.ts checks the table's count against it). The
-- QUALIFY keeps the number wanted of those rows.
top_value AS (
  SELECT customer_id FROM (
    SELECT customer_id, historic_value FROM scored ORDER BY historic_value DESC, customer_id LIMIT /*top_value_limit*/
  )
  QUALIFY row_number() OVER (ORDER BY historic_value DESC, customer_id) <= (SELECT greatest(1, floor($top_value_share * count(*))) FROM scored)
),
-- high_frequency: the customers are counted per pair of (purchase days, orders), the pairs in the flag's order say
-- how many customers come before each, and only the customers of the pairs that start within the top are ranked
-- (by customer id within their pair): the same customers as the first rows of the whole order. Those are counts
-- with few values, so at the default share the ranking reads a few pairs' customers, not everyone (a large share,
-- or one pair holding most customers, ranks most of them, as the sort did).
high_frequency_pairs AS (
  SELECT purchase_days, orders_count, count(*) AS customers FROM scored GROUP BY purchase_days, orders_count
),
high_frequency_cut AS (
  SELECT purchase_days, orders_count,
    coalesce(sum(customers) OVER (ORDER BY purchase_days DESC, orders_count DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before,
    (SELECT greatest(1, floor($high_frequency_share * sum(customers))) FROM high_frequency_pairs) AS wanted
  FROM high_frequency_pairs
),
high_frequency AS (
  SELECT s.customer_id FROM scored s JOIN high_frequency_cut g
    ON s.purchase_days IS NOT DISTINCT FROM g.purchase_days AND s.orders_count IS NOT DISTINCT FROM g.orders_count
  WHERE g.before < g.wanted
  QUALIFY g.before + row_number() OVER (PARTITION BY g.purchase_days, g.orders_count ORDER BY s.customer_id) <= g.wanted
),
valued AS (
  SELECT base.*, r.* EXCLUDE (customer_id),
    CASE WHEN churn_probability >= $high_risk THEN 'high' WHEN churn_probability >= $medium_risk THEN 'medium' ELSE 'low' END AS churn_risk
  FROM base JOIN ranks r USING (customer_id)
),
rhythm AS (
  SELECT *,
    CASE WHEN purchase_days >= 3 THEN gap_mean_days ELSE typical_gap_days END AS usual_gap_days,
    purchase_days >= 3 AS own_rhythm,
    -- Bought within half the usual gap: too soon to be at risk of leaving, whatever a score says.
    coalesce(days_since_last_order <= $recent_share * CASE WHEN purchase_days >= 3 THEN gap_mean_days ELSE typical_gap_days END, false) AS recent
  FROM valued
),
-- Referrals (the referrals input): each referrer credited with the customers they brought by as_of and
-- those customers' value scores (summed in customer order: the same bytes on every run).
referred AS (
  SELECT r.referrer_id AS customer_id, count(x.customer_id) AS referred_customers, coalesce(sum(greatest(x.value_score, 0) ORDER BY x.customer_id), 0) AS referred_value
  FROM referrals r JOIN ranks x ON x.customer_id = r.referred_id
  WHERE r.referral_date <= (SELECT max(as_of) FROM customer_features)
  GROUP BY r.referrer_id
),
flagged AS (
  SELECT *,
    -- the least value score in the ambassador tiers: a referrer whose own score and their referrals' reach it qualifies
    (SELECT min(value_score) FROM ranks WHERE value_tier <= $amb_max_tier) AS amb_tier_cut,
    CASE $vip_rule
      WHEN 'top_share' THEN value_rank <= greatest(1, floor($vip_cap * n_customers))
      WHEN 'expression' THEN coalesce((/*vip_expression*/), false)
      ELSE coalesce(value_before, 0) < $vip_share * value_total AND value_rank <= greatest(1, floor($vip_cap * n_customers))
    END AS is_vip,
    CAST(round((f_score + m_score) / 2.0 + 0.01) AS INTEGER) AS fm_score,
    -- The recency the segment reads: a customer at high churn risk who has not bought recently is at most 2,
    -- whatever their silence ranks among everyone (a segment says what the customer is now: 93 silent days
    -- can be the top fifth of recency in a slow shop, yet a 99.9% churn probability is no champion).
    CASE WHEN churn_risk = 'high' AND NOT recent THEN least(r_score, 2) ELSE r_score END AS r_now
  FROM rhythm LEFT JOIN referred USING (customer_id)
),
segmented AS (
  SELECT *,
    CASE
      WHEN tenure_days <= $new_days THEN 'new'
      WHEN r_now >= 4 AND fm_score >= 4 AND (r_now = 5 OR fm_score = 5) THEN 'champions'
      WHEN r_now >= 3 AND fm_score >= 4 THEN 'loyal'
      WHEN r_now >= 4 AND fm_score >= 2 THEN 'potential_loyalist'
      WHEN r_now >= 4 THEN 'promising'
      WHEN r_now = 3 AND fm_score = 3 THEN 'need_attention'
      WHEN r_now = 3 THEN 'about_to_sleep'
      WHEN fm_score = 5 THEN 'cant_lose'
      WHEN fm_score >= 3 AND (r_now = 2 OR fm_score = 4) THEN 'at_risk'
      WHEN r_now = 2 OR fm_score = 3 THEN 'hibernating'
      ELSE 'lost'
    END AS segment,
    predicted_clv_12m * churn_probability AS value_at_risk,
    -- the 12-month value if the customer stays: the BTYD model's value is P(alive) x the value given alive,
    -- so its CLV divided by its own P(alive) undoes the chance of leaving (both from btyd_scores: a network's
    -- CLV divided by the BTYD P(alive) would mix two models); without a usable P(alive), the champion's CLV.
    -- Bounded by what a save can bring back: the customer as they were, not better. Dividing by a P(alive)
    -- of 0.07 values a customer almost surely gone at 15 times their forecast; a save returns them at most
    -- to their own yearly spend to date (net spend over their tenure, a tenure under a year counted as one),
    -- and never below the 12-month CLV that is forecast anyway.
    least(
      coalesce(CASE WHEN isfinite(p_alive) AND p_alive >= $min_p_alive AND isfinite(btyd_clv_12m) THEN btyd_clv_12m / p_alive END, predicted_clv_12m),
      greatest(predicted_clv_12m, greatest(historic_value, 0) * 365.0 / greatest(tenure_days, 365))) AS value_if_retained
  FROM flagged
),
acted AS (
  SELECT *,
    concat_ws(';',
      CASE WHEN customer_id IN (SELECT customer_id FROM top_value) THEN 'top_value' END,
      CASE WHEN customer_id IN (SELECT customer_id FROM high_frequency) THEN 'high_frequency' END,
      CASE WHEN is_vip AND unresolved_complaints >= $vip_unresolved_complaints THEN 'vip_with_complaints' END,
      CASE WHEN opted_out THEN 'opted_out' END
      /*custom_flags*/) AS flags,
    CASE
      WHEN days_since_last_order >= $lapsed_days AND historic_value > median_historic_value THEN 'win_back'
      WHEN days_since_last_order >= $lapsed_days THEN 'none'
      WHEN (is_vip OR value_tier <= 2) AND churn_risk <> 'low' AND NOT recent THEN 'save'
      WHEN (is_vip OR value_tier = 1) THEN 'surprise'
      WHEN tenure_days <= $new_days THEN 'nurture'
      -- grow is for active customers with room to spend more: recency in the top three fifths (the segments from
      -- champions to about_to_sleep), never one gone quiet (hibernating, at_risk, cant_lose, lost: won back once
      -- lapsed, else left alone)
      WHEN value_tier IN (2, 3) AND churn_risk <> 'high' AND r_now >= 3 THEN 'grow'
      ELSE 'none'
    END AS action
  FROM segmented
),
-- Contact discipline: opted-out customers are never contacted, nor is a customer within the
-- cooldown of an earlier run's contact; the budget then takes the eligible, most value kept first.
-- The control group is a seeded share of the customers (one draw per customer, whatever the action,
-- so that a control of one action is never contacted for another) taken from those the budget would
-- contact: controls and contacted are alike but for the contact, which is what action_effects compares.
-- each customer's coefficients of their action's uplift model: their persona's, else the model's base (a
-- persona the model has not seen)
terms AS (
  SELECT a.*, coalesce(p.t0, b.t0) AS u_t0, coalesce(p.t1, b.t1) AS u_t1, coalesce(p.c0, b.c0) AS u_c0, coalesce(p.c1, b.c1) AS u_c1,
    coalesce(p.used, b.used) AS u_used
  FROM acted a
  LEFT JOIN uplift_terms p ON p.action = a.action AND p.persona = coalesce(a.persona, '(none)')
  LEFT JOIN uplift_terms b ON b.action = a.action AND b.persona = '(base)'
),
-- The customers an earlier run contacted within the cooldown before as_of (customer_features' one as-of).
cooled AS (
  SELECT customer_id FROM customer_scores_history
  WHERE contact AND as_of < (SELECT max(CAST(as_of AS DATE)) FROM customer_features)
    AND as_of > (SELECT max(CAST(as_of AS DATE)) FROM customer_features) - $cooldown_days
),
disciplined AS (
  SELECT a.*,
    hash(a.customer_id || '|' || $seed) % 10000 < $control_share * 10000 AS in_holdout,
    -- the share of the value at risk a contact keeps: the action's measured save rate, or the assumed one (actionRates.ts)
    CASE a.action WHEN 'save' THEN $rate_save WHEN 'surprise' THEN $rate_surprise WHEN 'grow' THEN $rate_grow
      WHEN 'nurture' THEN $rate_nurture WHEN 'win_back' THEN $rate_win_back ELSE $save_rate END AS action_rate,
    -- the action's uplift model (upliftModel.ts, its coefficients in uplift_terms): P(buy | proposed) - P(buy | control)
    -- at the customer's persona and churn score; empty where the action has no model
    1 / (1 + exp(-(a.u_t0 + a.u_t1 * a.churn_probability))) - 1 / (1 + exp(-(a.u_c0 + a.u_c1 * a.churn_probability))) AS predicted_uplift,
    -- the budget ranks by the model's uplift where it beat risk ranking on its backtest
    coalesce(a.u_used, false) AS uplift_used,
    CASE
      WHEN a.action = 'none' THEN NULL
      WHEN a.opted_out THEN 'opted_out'
      WHEN a.customer_id IN (SELECT customer_id FROM cooled) THEN 'cooldown'
      -- contacting would make them more likely to leave
      WHEN coalesce(a.u_used, false) AND 1 / (1 + exp(-(a.u_t0 + a.u_t1 * a.churn_probability))) < 1 / (1 + exp(-(a.u_c0 + a.u_c1 * a.churn_probability))) THEN 'negative_uplift'
    END AS pre_blocked
  FROM terms a
),
-- What a contact keeps before its cost: the value at stake x the action's rate, and never more than the
-- customer's whole 12-month forecast (predicted_clv_12m). The bound binds only where P(alive) is below about
-- rate x churn: a customer almost surely gone is no longer valued at many times what the models expect of them.
-- Where the budget uses the action's uplift model, the value at stake x the predicted uplift instead, bound alike.
contactable AS (
  SELECT *, least(value_if_retained * CASE WHEN uplift_used THEN predicted_uplift ELSE churn_probability * action_rate END, predicted_clv_12m) AS gross_kept
  FROM disciplined
),
budgeted AS (
  SELECT customer_id,
    row_number() OVER (ORDER BY gross_kept - $cost_per_action DESC, customer_id) AS rank_all,
    row_number() OVER (PARTITION BY in_holdout ORDER BY gross_kept - $cost_per_action DESC, customer_id) AS rank_in_group,
    in_holdout
  FROM contactable WHERE action <> 'none' AND pre_blocked IS NULL
),
-- A contact's place in the budget is its rank among the customers to contact; a control's, the place it
-- would have had among them.
placed AS (
  SELECT customer_id, CASE WHEN in_holdout THEN rank_all - rank_in_group + 1 ELSE rank_in_group END AS budget_rank FROM budgeted
),
-- Each action's order of priority, on the few columns it reads (as ranks above).
priority AS (
  SELECT customer_id,
    row_number() OVER (PARTITION BY action ORDER BY kept DESC NULLS LAST, value_at_risk DESC, predicted_clv_12m DESC, customer_id) AS action_priority
  FROM (SELECT customer_id, action, CASE WHEN action <> 'none' THEN gross_kept END AS kept, value_at_risk, predicted_clv_12m FROM contactable)
),
chosen AS (
  SELECT d.*,
    coalesce(d.pre_blocked,
      CASE WHEN d.action <> 'none' AND (
        b.budget_rank > coalesce($max_actions, 9223372036854775807)
        OR b.budget_rank * $cost_per_action > coalesce($max_spend, 1e300)
        -- nothing to keep: the contact costs more than it keeps, or the action's measured rate is not above zero
        OR (($cost_per_action > 0 OR d.action_rate <= 0) AND d.gross_kept <= $cost_per_action)
      ) THEN 'budget' END,
      CASE WHEN d.action <> 'none' AND d.in_holdout THEN 'control' END) AS contact_blocked_by
  FROM contactable d LEFT JOIN placed b USING (customer_id)
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
  action_priority,
  value_at_risk,
  gap_mean_days AS avg_days_between_orders,
  coalesce(birth_date IS NOT NULL AND date_diff('day', CAST(as_of AS DATE),
    make_date(year(as_of) + CASE WHEN strftime(birth_date, '%m%d') <= strftime(as_of, '%m%d') THEN 1 ELSE 0 END, month(birth_date),
      CASE WHEN month(birth_date) = 2 AND day(birth_date) = 29 THEN 28 ELSE day(birth_date) END)) <= 30, false) AS birthday_next_30d,
  coalesce(signup_date IS NOT NULL AND signup_date < as_of AND date_diff('day', CAST(as_of AS DATE),
    make_date(year(as_of) + CASE WHEN strftime(signup_date, '%m%d') <= strftime(as_of, '%m%d') THEN 1 ELSE 0 END, month(signup_date),
      CASE WHEN month(signup_date) = 2 AND day(signup_date) = 29 THEN 28 ELSE day(signup_date) END)) <= 30, false) AS signup_anniversary_next_30d,
  flags,
  coalesce(contact_blocked_by = 'control', false) AS is_control,
  action <> 'none' AND contact_blocked_by IS NULL AS contact,
  contact_blocked_by,
  CASE WHEN action <> 'none' AND contact_blocked_by IS NULL THEN gross_kept ELSE 0 END AS expected_value_retained,
  -- Replaced by the network's occlusion attribution when the network is the churn champion (reasons.ts);
  -- otherwise what drives the probabilistic models and the table: recency against the customer's rhythm, frequency.
  coalesce(NULLIF(concat_ws('; ',
    CASE WHEN recent THEN NULL
      WHEN own_rhythm AND days_since_last_order > usual_gap_days
        THEN 'no order for ' || days_since_last_order || ' days, ' || printf('%.1f', days_since_last_order / usual_gap_days) || 'x the usual gap of ' || CAST(round(usual_gap_days) AS INTEGER) || ' days'
      WHEN purchase_days = 1 AND days_since_last_order > 60 THEN 'one purchase only, ' || days_since_last_order || ' days ago'
      WHEN NOT own_rhythm AND days_since_last_order > usual_gap_days
        THEN 'no order for ' || days_since_last_order || ' days, ' || printf('%.1f', days_since_last_order / usual_gap_days) || 'x the typical gap of ' || CAST(round(usual_gap_days) AS INTEGER) || ' days between purchases' END,
    CASE WHEN trend_90d < -0.7 THEN 'spend in the last 90 days down ' || CAST(round(100 * (1 - exp(trend_90d))) AS INTEGER) || '% on the 90 before' END,
    CASE WHEN unresolved_complaints > 0 THEN unresolved_complaints || ' unresolved complaint' || CASE WHEN unresolved_complaints > 1 THEN 's' ELSE '' END END,
    CASE WHEN complaints_90d > 0 AND unresolved_complaints = 0 THEN complaints_90d || ' complaint' || CASE WHEN complaints_90d > 1 THEN 's' ELSE '' END || ' in the last 90 days' END
  ), ''), purchase_days || ' purchase day' || CASE WHEN purchase_days > 1 THEN 's' ELSE '' END || ' to date, the last ' || days_since_last_order || ' day' || CASE WHEN days_since_last_order = 1 THEN '' ELSE 's' END || ' ago') AS reasons,
  CAST($model_version AS VARCHAR) AS model_version,
  CAST($currency AS VARCHAR) AS currency,
  value_if_retained,
  CASE WHEN action <> 'none' THEN gross_kept - $cost_per_action END AS value_kept,
  coalesce(NOT coalesce(opted_out, false) AND (value_tier <= $amb_max_tier
    OR (coalesce(referred_customers, 0) > 0 AND value_score + referred_value >= amb_tier_cut))
    AND purchase_days >= $amb_min_purchase_days
    AND tenure_days >= $amb_min_tenure_days AND churn_risk = 'low' AND unresolved_complaints = 0
    AND days_since_last_order <= $amb_max_days AND NOT in_holdout, false) AS is_ambassador,
  persona_id,
  persona,
  coalesce(referred_customers, 0) AS referred_customers,
  coalesce(referred_value, 0) AS referred_value,
  CASE WHEN action <> 'none' THEN predicted_uplift END AS predicted_uplift
FROM chosen JOIN priority USING (customer_id)
ORDER BY customer_id
