/*
 * The data dictionary: one declaration per published table, with its
 * columns in their published order, their types (as DuckDB gives them in
 * the published `fidelio.duckdb`), what each means and the checks its values
 * keep. docs/outputs.md is generated from it (outputsDoc.ts), a test compares
 * it with the tables a demo run publishes, and the PostgreSQL sink takes its
 * column types and COMMENTs from it. A column added, renamed or dropped in a
 * published table needs its entry here, or the tests fail.
 */

/** A published column's type, as DESCRIBE reads it in the published DuckDB file. */
export type ColumnType = 'VARCHAR' | 'DATE' | 'TIMESTAMP WITH TIME ZONE' | 'DOUBLE' | 'BIGINT' | 'INTEGER' | 'HUGEINT' | 'BOOLEAN' | 'DECIMAL(38,2)';

export interface ColumnEntry {
  readonly name: string;
  readonly type: ColumnType;
  /** What the value means, in a sentence or two (docs/outputs.md, COMMENT ON COLUMN). */
  readonly meaning: string;
  /** Never empty. */
  readonly notNull?: boolean;
  /** The least and greatest value a number can take (either may be open). */
  readonly range?: { readonly min?: number; readonly max?: number };
  /** The only values a text can take. */
  readonly values?: readonly string[];
  /** The PostgreSQL type when it is not the one `type` maps to (pgType in publish/postgresTables.ts). */
  readonly pgType?: string;
}

/** Where a table is published. */
export type Sink = 'duckdb' | 'parquet' | 'csv' | 'postgres';

export interface TableEntry {
  readonly name: string;
  /** What one row is and what the table is for. */
  readonly meaning: string;
  /** The columns that identify a row: unique together and never empty. */
  readonly key: readonly string[];
  readonly sinks: readonly Sink[];
  readonly columns: readonly ColumnEntry[];
}

const SHARE = { min: 0, max: 1 } as const;
const QUINTILE = { min: 1, max: 5 } as const;
const COUNT = { min: 0 } as const;
const RISKS = ['low', 'medium', 'high'] as const;
const ACTIONS = ['save', 'surprise', 'grow', 'nurture', 'win_back', 'none'] as const;
const SEGMENTS = ['champions', 'loyal', 'potential_loyalist', 'promising', 'need_attention', 'about_to_sleep', 'cant_lose', 'at_risk', 'hibernating', 'lost', 'new'] as const;
const ALL_FILES: readonly Sink[] = ['duckdb', 'parquet', 'csv', 'postgres'];

const customerScores: TableEntry = {
  name: 'customer_scores',
  meaning: 'One row per customer with a purchase on or before as-of: churn and value scores, tiers, segment, persona and the action to take. Money is in the row\'s currency; H is the horizon (--horizon-days, default 90).',
  key: ['customer_id'],
  sinks: ALL_FILES,
  columns: [
    { name: 'customer_id', type: 'VARCHAR', notNull: true, meaning: 'The shop\'s customer id, exactly as loaded.' },
    { name: 'as_of', type: 'DATE', notNull: true, meaning: 'The day the scores are as of: only orders on or before it are used.' },
    { name: 'churn_probability', type: 'DOUBLE', notNull: true, range: SHARE, meaning: 'P(no purchase in (as_of, as_of + H]), from the churn champion, calibrated.' },
    { name: 'churn_risk', type: 'VARCHAR', notNull: true, values: RISKS, meaning: 'low below scoring.mediumRisk (0.5), high from scoring.highRisk (0.75), medium between.' },
    { name: 'p_alive', type: 'DOUBLE', notNull: true, range: SHARE, meaning: 'The purchase model\'s (BG/NBD, MBG/NBD or Pareto/NBD) probability that the customer has not dropped out, at as-of.' },
    { name: 'expected_purchases', type: 'DOUBLE', notNull: true, range: COUNT, meaning: 'The purchase model\'s expected purchase days in the next H days, on the seasonal time of the history\'s profile.' },
    { name: 'expected_purchases_p10', type: 'DOUBLE', notNull: true, range: COUNT, meaning: '10th percentile of expected_purchases over scoring.intervalDraws (40) draws of the model\'s parameters from their estimated uncertainty.' },
    { name: 'expected_purchases_p90', type: 'DOUBLE', notNull: true, range: COUNT, meaning: '90th percentile of expected_purchases over the same parameter draws.' },
    { name: 'predicted_value', type: 'DOUBLE', notNull: true, range: COUNT, meaning: 'Expected spend in the next H days (money), from the value champion: the ZILN network\'s expected spend, or expected_purchases x Gamma-Gamma expected order value.' },
    { name: 'predicted_clv_12m', type: 'DOUBLE', notNull: true, range: COUNT, meaning: 'Expected spend over the next 12 months, discounted at scoring.annualDiscountRate (10% a year).' },
    { name: 'predicted_clv_12m_p10', type: 'DOUBLE', notNull: true, range: COUNT, meaning: '10th percentile of predicted_clv_12m over the parameter draws (Gamma-Gamma drawn too) where a BTYD model is the value champion; where the network is, its CLV x the purchase model\'s own p10 / CLV ratio: BTYD\'s parameter spread scaled onto it, not the network\'s uncertainty.' },
    { name: 'predicted_clv_12m_p90', type: 'DOUBLE', notNull: true, range: COUNT, meaning: '90th percentile of predicted_clv_12m over the parameter draws, scaled alike where the network is the value champion.' },
    { name: 'historic_value', type: 'DOUBLE', notNull: true, meaning: 'Net spend to date: purchases minus refunds (money; negative when refunds exceed purchases).' },
    { name: 'orders_count', type: 'BIGINT', notNull: true, range: { min: 1 }, meaning: 'Purchases to date.' },
    { name: 'days_since_last_order', type: 'BIGINT', notNull: true, range: COUNT, meaning: 'Days from the last purchase to as-of.' },
    { name: 'expected_next_order_date', type: 'DATE', meaning: 'as_of + ceil(H / expected_purchases) days, the mean wait at the expected rate; empty when fewer than 0.05 purchases are expected.' },
    { name: 'value_score', type: 'DOUBLE', notNull: true, meaning: 'predictedWeight x predicted_clv_12m + (1 - predictedWeight) x max(historic_value, 0).' },
    { name: 'value_tier', type: 'BIGINT', notNull: true, range: QUINTILE, meaning: 'Quintile of value_score, 1 = the top fifth (ties by customer_id).' },
    { name: 'is_vip', type: 'BOOLEAN', notNull: true, meaning: 'A VIP by scoring.vip (default pareto: the smallest top group by value_score carrying 80% of it, capped at 20% of customers).' },
    { name: 'r_score', type: 'BIGINT', notNull: true, range: QUINTILE, meaning: 'Quintile of recency, 5 = most recent.' },
    { name: 'f_score', type: 'BIGINT', notNull: true, range: QUINTILE, meaning: 'Quintile of purchase days, 5 = most.' },
    { name: 'm_score', type: 'BIGINT', notNull: true, range: QUINTILE, meaning: 'Quintile of historic value, 5 = most.' },
    { name: 'segment', type: 'VARCHAR', notNull: true, values: SEGMENTS, meaning: 'The RFM segment, from r_score and round((f_score + m_score) / 2); new first (first purchase within scoring.newDays).' },
    { name: 'action', type: 'VARCHAR', notNull: true, values: ACTIONS, meaning: 'What to do, the first rule that matches: win_back, save, surprise, nurture, grow, otherwise none.' },
    { name: 'action_priority', type: 'BIGINT', range: { min: 1 }, meaning: '1 = first to act on within its action: the highest value_kept, then value_at_risk, then the highest CLV; empty without an action.' },
    { name: 'value_at_risk', type: 'DOUBLE', notNull: true, range: COUNT, meaning: 'predicted_clv_12m x churn_probability (counts the riskiest customers twice down; the budget ranks by value_kept).' },
    { name: 'avg_days_between_orders', type: 'DOUBLE', range: COUNT, meaning: 'Mean days between purchase days; empty with a single purchase day.' },
    { name: 'birthday_next_30d', type: 'BOOLEAN', notNull: true, meaning: 'The birthday (customers input) falls in the next 30 days.' },
    { name: 'signup_anniversary_next_30d', type: 'BOOLEAN', notNull: true, meaning: 'The signup anniversary (customers input) falls in the next 30 days.' },
    { name: 'flags', type: 'VARCHAR', notNull: true, meaning: 'High-impact flags beyond spend, ;-separated: top_value, high_frequency, vip_with_complaints, opted_out and the configured scoring.flags.custom rules; empty text without any.' },
    { name: 'is_control', type: 'BOOLEAN', notNull: true, meaning: 'In the control group: a customer the budget would have contacted for its action, held back (seeded hash of the customer, scoring.controlShare) so that later runs measure what the actions do.' },
    { name: 'contact', type: 'BOOLEAN', notNull: true, meaning: 'To be contacted for its action: not opted out, not control, not contacted within scoring.cooldownDays by an earlier run, and within the budget.' },
    { name: 'contact_blocked_by', type: 'VARCHAR', values: ['opted_out', 'control', 'cooldown', 'negative_uplift', 'budget'], meaning: 'Why a customer with an action is not contacted: negative_uplift when the action\'s uplift model, used by the budget, predicts contact makes them likelier to leave; empty otherwise.' },
    { name: 'expected_value_retained', type: 'DOUBLE', notNull: true, range: COUNT, meaning: 'For contacted customers, value_if_retained x churn_probability x the action\'s rate (measured save rate, else scoring.budget.saveRate); 0 for the others.' },
    { name: 'reasons', type: 'VARCHAR', notNull: true, meaning: 'The few inputs that most raised this customer\'s churn score, in words with the customer\'s own values.' },
    { name: 'model_version', type: 'VARCHAR', notNull: true, meaning: 'fidelio-<hash> of the trained models\' content.' },
    { name: 'currency', type: 'VARCHAR', notNull: true, meaning: 'The currency of every amount of the row (--currency, default USD).' },
    { name: 'value_if_retained', type: 'DOUBLE', notNull: true, range: COUNT, meaning: 'The customer\'s 12-month value if they stay: the BTYD 12-month CLV divided by its own p_alive (the champion\'s predicted_clv_12m where there is no usable P(alive)).' },
    { name: 'value_kept', type: 'DOUBLE', meaning: 'What contacting can keep: value_if_retained x churn_probability x the action\'s rate - costPerAction; empty without an action.' },
    { name: 'is_ambassador', type: 'BOOLEAN', notNull: true, meaning: 'To invite into a refer-a-friend programme: top tiers, loyal, recent, low risk, no unresolved complaint, not opted out, in no control group.' },
    { name: 'persona_id', type: 'INTEGER', range: { min: 1 }, meaning: 'The customer\'s buyer persona, 1 = the largest; empty when the base is too small to cluster.' },
    { name: 'persona', type: 'VARCHAR', meaning: 'The persona\'s name, from the traits that set it apart; empty when the base is too small to cluster.' },
    { name: 'referred_customers', type: 'BIGINT', notNull: true, range: COUNT, meaning: 'Scored customers this one referred by as-of (referrals input; 0 without it).' },
    { name: 'referred_value', type: 'DOUBLE', notNull: true, meaning: 'The sum of the referred customers\' value scores (money), credited to the referrer.' },
    { name: 'predicted_uplift', type: 'DOUBLE', range: { min: -1, max: 1 }, meaning: 'For the action proposed, its uplift model\'s P(buy in the horizon | proposed) - P(buy | control) at the customer\'s persona and churn score (a two-model learner trained on the measured contact history once it holds 200 proposed and 200 controls); empty without an action or a model. Where the model beat risk ranking on its backtest the budget ranks by value_if_retained x predicted_uplift - cost, and a negative one is not contacted (contact_blocked_by negative_uplift).' },
  ],
};

const kpisMonthly: TableEntry = {
  name: 'kpis_monthly',
  meaning: 'One row per calendar month from the first order to as-of: revenue, orders, customers and churn as a finance person would sign them.',
  key: ['month'],
  sinks: ALL_FILES,
  columns: [
    { name: 'month', type: 'DATE', notNull: true, meaning: 'The month\'s first day.' },
    { name: 'is_partial_month', type: 'BOOLEAN', notNull: true, meaning: 'The as-of month, not yet over.' },
    { name: 'revenue', type: 'DECIMAL(38,2)', notNull: true, meaning: 'Orders placed in the month minus refunds issued in it, guest orders included.' },
    { name: 'gross_revenue', type: 'DECIMAL(38,2)', notNull: true, range: COUNT, meaning: 'Orders placed in the month, before refunds.' },
    { name: 'refunds', type: 'DECIMAL(38,2)', notNull: true, range: COUNT, meaning: 'Refunds issued in the month.' },
    { name: 'orders', type: 'BIGINT', notNull: true, range: COUNT, meaning: 'Orders placed in the month, guests\' included.' },
    { name: 'average_order_value', type: 'DOUBLE', meaning: 'gross_revenue / orders; empty in a month without orders.' },
    { name: 'customers_active', type: 'BIGINT', notNull: true, range: COUNT, meaning: 'Customers with a purchase in the month.' },
    { name: 'customers_total', type: 'HUGEINT', notNull: true, range: COUNT, meaning: 'Customers whose first purchase is by the month\'s end.' },
    { name: 'vips_active', type: 'BIGINT', notNull: true, range: COUNT, meaning: 'This run\'s VIPs with a purchase in the month.' },
    { name: 'vips_total', type: 'HUGEINT', notNull: true, range: COUNT, meaning: 'This run\'s VIPs whose first purchase is by the month\'s end.' },
    { name: 'new_customers', type: 'BIGINT', notNull: true, range: COUNT, meaning: 'Customers whose first purchase is in the month.' },
    { name: 'churned_customers', type: 'BIGINT', range: COUNT, meaning: 'Customers whose last purchase turned H days old during the month with no purchase since; empty where it cannot be measured.' },
    { name: 'churn_rate', type: 'DOUBLE', range: SHARE, meaning: 'churned_customers over customers with a purchase in the H days before the month; empty where it cannot be measured.' },
    { name: 'mom_growth', type: 'DOUBLE', meaning: 'Revenue growth on the month before (the partial month against the same days); empty against a month the history does not cover whole.' },
    { name: 'yoy_growth', type: 'DOUBLE', meaning: 'Revenue growth on the same month a year before (the partial month against the same days); empty without it.' },
    { name: 'cost', type: 'DOUBLE', meaning: 'orders x costs.perOrder + active customers x costs.perActiveCustomer + the month\'s fixed cost; empty without a costs configuration.' },
    { name: 'net_profit', type: 'DOUBLE', meaning: 'revenue x costs.grossMargin - cost; empty without a costs configuration.' },
    { name: 'guest_revenue', type: 'DECIMAL(38,2)', notNull: true, meaning: 'The part of revenue without a customer (guest orders).' },
    { name: 'currency', type: 'VARCHAR', notNull: true, meaning: 'The currency of the row\'s amounts.' },
  ],
};

const kpisByGroup: TableEntry = {
  name: 'kpis_by_group',
  meaning: 'Per value tier and per RFM segment, this run\'s membership and its business figures.',
  key: ['dimension', 'grp'],
  sinks: ALL_FILES,
  columns: [
    { name: 'dimension', type: 'VARCHAR', notNull: true, values: ['value_tier', 'segment'], meaning: 'What the group is: a value tier or a segment.' },
    { name: 'grp', type: 'VARCHAR', notNull: true, meaning: 'The tier (1..5) or the segment\'s name.' },
    { name: 'customers', type: 'BIGINT', notNull: true, range: { min: 1 }, meaning: 'Customers in the group.' },
    { name: 'share_of_customers', type: 'DOUBLE', notNull: true, range: SHARE, meaning: 'Their share of all scored customers.' },
    { name: 'revenue_12m', type: 'DECIMAL(38,2)', notNull: true, meaning: 'Their net revenue of the 12 months to as-of.' },
    { name: 'share_of_revenue_12m', type: 'DOUBLE', meaning: 'Its share of all customers\' net revenue of the 12 months; empty when that is 0.' },
    { name: 'historic_value', type: 'DOUBLE', notNull: true, meaning: 'Their net spend to date.' },
    { name: 'active_90d', type: 'BIGINT', notNull: true, range: COUNT, meaning: 'Those with a purchase in the last 90 days.' },
    { name: 'vips', type: 'BIGINT', notNull: true, range: COUNT, meaning: 'Those who are VIPs.' },
    { name: 'mean_churn_probability', type: 'DOUBLE', notNull: true, range: SHARE, meaning: 'Their mean churn probability.' },
    { name: 'predicted_clv_12m', type: 'DOUBLE', notNull: true, range: COUNT, meaning: 'Their summed 12-month CLV.' },
    { name: 'value_at_risk', type: 'DOUBLE', notNull: true, range: COUNT, meaning: 'Their summed value at risk.' },
  ],
};

const interval = (name: string, what: string): ColumnEntry[] => [
  { name, type: 'DOUBLE', meaning: `${what}; empty unless measured.` },
  { name: `${name}_low`, type: 'DOUBLE', meaning: `The low end of ${name}'s 90% interval; empty unless measured.` },
  { name: `${name}_high`, type: 'DOUBLE', meaning: `The high end of ${name}'s 90% interval; empty unless measured.` },
];

const actionEffects: TableEntry = {
  name: 'action_effects',
  meaning: 'For every published run and every action it gave, the customers contacted against that action\'s control group over the run\'s horizon, with the orders known at this run\'s as-of: one overall row (breakdown = all), then one row per persona and per churn-risk band.',
  key: ['run_id', 'action', 'breakdown', 'group_name'],
  sinks: ALL_FILES,
  columns: [
    { name: 'run_id', type: 'VARCHAR', notNull: true, meaning: 'The run that contacted.' },
    { name: 'as_of', type: 'DATE', notNull: true, meaning: 'That run\'s as-of.' },
    { name: 'action', type: 'VARCHAR', notNull: true, values: ACTIONS, meaning: 'The action given.' },
    { name: 'horizon_days', type: 'INTEGER', notNull: true, range: { min: 1 }, meaning: 'The horizon its contacts are measured over.' },
    { name: 'measurable_from', type: 'DATE', notNull: true, meaning: 'as_of + horizon_days: the day the effect can be known.' },
    { name: 'status', type: 'VARCHAR', notNull: true, values: ['measured', 'horizon_not_passed', 'too_few_customers'], meaning: 'measured; horizon_not_passed; too_few_customers (fewer than scoring.effects.minGroup contacted or controls). Only measured rows carry figures.' },
    { name: 'contacted', type: 'BIGINT', notNull: true, range: COUNT, meaning: 'Customers contacted.' },
    { name: 'controls', type: 'BIGINT', notNull: true, range: COUNT, meaning: 'Customers held back as its control group.' },
    { name: 'retention_contacted', type: 'DOUBLE', range: SHARE, meaning: 'The share of the contacted who bought in the horizon; empty unless measured.' },
    { name: 'retention_control', type: 'DOUBLE', range: SHARE, meaning: 'The share of the controls who bought in the horizon; empty unless measured.' },
    ...interval('retention_uplift', 'retention_contacted - retention_control (Agresti-Caffo interval)'),
    { name: 'spend_contacted', type: 'DOUBLE', meaning: 'Net spend per contacted customer in the horizon; empty unless measured.' },
    { name: 'spend_control', type: 'DOUBLE', meaning: 'Net spend per control customer in the horizon; empty unless measured.' },
    ...interval('spend_uplift', 'spend_contacted - spend_control (Welch interval)'),
    ...interval('net_value_per_contact', 'margin x spend_uplift - costPerAction'),
    { name: 'net_value_total', type: 'DOUBLE', meaning: 'net_value_per_contact x contacted; empty unless measured.' },
    ...interval('save_rate', 'retention_uplift / (1 - retention_control): the share of the control group\'s churn the action prevented'),
    { name: 'breakdown', type: 'VARCHAR', notNull: true, values: ['all', 'persona', 'churn_risk'], meaning: 'all: the action\'s overall row (one per run and action: filter on it for one row per action); persona or churn_risk: the same figures within one persona, or one churn-risk band, as published with the contact.' },
    { name: 'group_name', type: 'VARCHAR', notNull: true, meaning: 'all on the overall row; else the persona or the churn-risk band (low, medium, high), (none) where the contact had none.' },
    { name: 'reached', type: 'BIGINT', notNull: true, range: COUNT, meaning: 'The proposed (contacted) customers whom recorded_contacts holds as reached for this action (or with no action named) from the run\'s as-of to the end of its horizon (fidelio serve\'s campaigns, fidelio contacts --file).' },
    { name: 'contact_rate', type: 'DOUBLE', range: SHARE, meaning: 'reached / contacted; empty when no contact of the run\'s action is recorded (the figures are then those of being proposed only).' },
    ...interval('retention_uplift_on_contacted', 'The effect on those reached: retention_uplift / contact_rate (the proposed who were not reached were told nothing); interval by the delta method with the contact rate\'s own variance'),
    ...interval('retention_uplift_adjusted', 'retention_uplift adjusted on the churn score each customer started from: each side\'s retention moved to the group\'s mean churn_probability along that side\'s least-squares line (Lin\'s estimator)'),
    { name: 'interval_narrowing', type: 'DOUBLE', meaning: '1 - the adjusted interval\'s width / the unadjusted normal interval\'s width: how much knowing the starting churn score narrowed it; empty unless measured.' },
    { name: 'retention_uplift_shrunk', type: 'DOUBLE', meaning: 'Group rows: the group\'s retention_uplift shrunk toward the action\'s overall one by tau2 / (tau2 + its own variance), tau2 the groups\' spread beyond their noise; given for every group with 2 or more on each side once the horizon has passed, the small ones leaning on the overall.' },
    { name: 'retention_uplift_shrunk_low', type: 'DOUBLE', meaning: 'The low end of retention_uplift_shrunk\'s 90% interval.' },
    { name: 'retention_uplift_shrunk_high', type: 'DOUBLE', meaning: 'The high end of retention_uplift_shrunk\'s 90% interval.' },
  ],
};

const personas: TableEntry = {
  name: 'personas',
  meaning: 'One row per buyer persona (k-means on how customers buy), with its size, value, actions and the figures behind its name.',
  key: ['persona_id'],
  sinks: ALL_FILES,
  columns: [
    { name: 'persona_id', type: 'INTEGER', notNull: true, range: { min: 1 }, meaning: 'The persona\'s number, 1 = the largest.' },
    { name: 'persona', type: 'VARCHAR', notNull: true, meaning: 'Its name, from the traits that set it apart.' },
    { name: 'description', type: 'VARCHAR', notNull: true, meaning: 'Its name with the figure behind each word, against everyone\'s.' },
    { name: 'customers', type: 'BIGINT', notNull: true, range: { min: 1 }, meaning: 'Customers in it.' },
    { name: 'share_of_customers', type: 'DOUBLE', notNull: true, range: SHARE, meaning: 'Their share of all customers.' },
    { name: 'share_of_value', type: 'DOUBLE', range: SHARE, meaning: 'Their share of the value score.' },
    { name: 'mean_churn_probability', type: 'DOUBLE', notNull: true, range: SHARE, meaning: 'Their mean churn probability.' },
    { name: 'predicted_clv_12m', type: 'DOUBLE', notNull: true, range: COUNT, meaning: 'Their summed 12-month CLV.' },
    ...(['save', 'surprise', 'grow', 'nurture', 'win_back'] as const).map((a): ColumnEntry => ({ name: a, type: 'BIGINT', notNull: true, range: COUNT, meaning: `Its customers given the action ${a}.` })),
    { name: 'no_action', type: 'BIGINT', notNull: true, range: COUNT, meaning: 'Its customers given no action.' },
    { name: 'contacted', type: 'BIGINT', notNull: true, range: COUNT, meaning: 'Its customers to contact.' },
    { name: 'ambassadors', type: 'BIGINT', notNull: true, range: COUNT, meaning: 'Its customers to invite as ambassadors.' },
    { name: 'orders_per_year', type: 'DOUBLE', notNull: true, range: COUNT, meaning: 'The median purchase days a year.' },
    { name: 'avg_order_value', type: 'DOUBLE', notNull: true, meaning: 'The median gross spend per order.' },
    { name: 'discount_share', type: 'DOUBLE', notNull: true, range: SHARE, meaning: 'The share of its purchases with a discount.' },
    { name: 'weekend_share', type: 'DOUBLE', notNull: true, range: SHARE, meaning: 'The share of its purchase days on a weekend.' },
    { name: 'tenure_days', type: 'DOUBLE', notNull: true, range: COUNT, meaning: 'The median days since the first purchase.' },
    { name: 'top_channel', type: 'VARCHAR', meaning: 'The channel most of its customers buy through most.' },
    { name: 'top_channel_share', type: 'DOUBLE', range: SHARE, meaning: 'The share of its customers for whom it is the main channel.' },
    { name: 'top_category', type: 'VARCHAR', meaning: 'The category most of its customers buy most.' },
    { name: 'top_category_share', type: 'DOUBLE', range: SHARE, meaning: 'The share of its customers for whom it is the main category.' },
    { name: 'top_country', type: 'VARCHAR', meaning: 'The most common country among its customers.' },
    { name: 'top_country_share', type: 'DOUBLE', range: SHARE, meaning: 'The share of its customers in it.' },
  ],
};

const segmentPersonas: TableEntry = {
  name: 'segment_personas',
  meaning: 'Each RFM segment\'s persona mix.',
  key: ['segment', 'persona_id'],
  sinks: ALL_FILES,
  columns: [
    { name: 'segment', type: 'VARCHAR', notNull: true, values: SEGMENTS, meaning: 'The RFM segment.' },
    { name: 'persona_id', type: 'INTEGER', notNull: true, range: { min: 1 }, meaning: 'The persona\'s number.' },
    { name: 'persona', type: 'VARCHAR', notNull: true, meaning: 'The persona\'s name.' },
    { name: 'customers', type: 'BIGINT', notNull: true, range: { min: 1 }, meaning: 'The segment\'s customers in that persona.' },
    { name: 'share_of_segment', type: 'DOUBLE', notNull: true, range: SHARE, meaning: 'Their share of the segment.' },
  ],
};

const personaChoice: TableEntry = {
  name: 'persona_choice',
  meaning: 'Each number of personas tried, with its mean silhouette: the highest is kept (ties: fewer personas). Made when the model version is first scored, and shown again as it was on its later runs.',
  key: ['k'],
  sinks: ALL_FILES,
  columns: [
    { name: 'k', type: 'INTEGER', notNull: true, range: { min: 2 }, meaning: 'The number of personas tried.' },
    { name: 'silhouette', type: 'DOUBLE', notNull: true, range: { min: -1, max: 1 }, meaning: 'The mean silhouette on scoring.personas.silhouetteCustomers of the sample.' },
    { name: 'chosen', type: 'BOOLEAN', notNull: true, meaning: 'The k kept.' },
    { name: 'fitted_on', type: 'BIGINT', notNull: true, range: { min: 1 }, meaning: 'Customers in the sample the clustering was fitted on.' },
    { name: 'fitted_as_of', type: 'DATE', notNull: true, meaning: "The as-of of the customers the personas were fitted on. They are fitted at the model version's first scoring and kept with it: a later run with the same version assigns customers to the kept personas (same numbers and names) and shows the choice made then, so a date before the run's as-of says the personas were kept, not refitted." },
  ],
};

const customerScoresHistory: TableEntry = {
  name: 'customer_scores_history',
  meaning: 'What every published run gave each customer, appended run after run: tier, segment, risk and contact movements, and the contact history that cooldowns and action effects read.',
  key: ['run_id', 'customer_id'],
  sinks: ['duckdb', 'postgres'],
  columns: [
    { name: 'run_id', type: 'VARCHAR', notNull: true, meaning: 'The run that published the row.' },
    { name: 'as_of', type: 'DATE', notNull: true, meaning: 'That run\'s as-of.' },
    { name: 'customer_id', type: 'VARCHAR', notNull: true, meaning: 'The customer.' },
    { name: 'model_version', type: 'VARCHAR', notNull: true, meaning: 'The models that scored the run.' },
    { name: 'churn_probability', type: 'DOUBLE', notNull: true, range: SHARE, meaning: 'customer_scores.churn_probability in that run.' },
    { name: 'churn_risk', type: 'VARCHAR', notNull: true, values: RISKS, meaning: 'customer_scores.churn_risk in that run.' },
    { name: 'predicted_clv_12m', type: 'DOUBLE', notNull: true, range: COUNT, meaning: 'customer_scores.predicted_clv_12m in that run.' },
    { name: 'value_tier', type: 'BIGINT', notNull: true, range: QUINTILE, meaning: 'customer_scores.value_tier in that run.' },
    { name: 'is_vip', type: 'BOOLEAN', notNull: true, meaning: 'customer_scores.is_vip in that run.' },
    { name: 'segment', type: 'VARCHAR', notNull: true, values: SEGMENTS, meaning: 'customer_scores.segment in that run.' },
    { name: 'action', type: 'VARCHAR', notNull: true, values: ACTIONS, meaning: 'customer_scores.action in that run.' },
    { name: 'contact', type: 'BOOLEAN', notNull: true, meaning: 'Contacted for that action by that run.' },
    { name: 'is_control', type: 'BOOLEAN', notNull: true, meaning: 'Held back as a control by that run.' },
    { name: 'horizon_days', type: 'INTEGER', notNull: true, range: { min: 1 }, meaning: 'The horizon over which that run\'s contacts are measured against their controls.' },
    { name: 'persona', type: 'VARCHAR', meaning: 'customer_scores.persona in that run (empty in rows published before it was recorded), for the effects by persona.' },
  ],
};

const customers: TableEntry = {
  name: 'customers',
  meaning: 'The customers\' countries, names and emails (customers input), for lists filtered by country and lists a campaign contacts.',
  key: ['customer_id'],
  sinks: ['duckdb', 'postgres'],
  columns: [
    { name: 'customer_id', type: 'VARCHAR', notNull: true, meaning: 'The shop\'s customer id.' },
    { name: 'country', type: 'VARCHAR', meaning: 'The customer\'s country as given by the customers input; empty when not given.' },
    { name: 'name', type: 'VARCHAR', meaning: 'The customer\'s name as given by the customers input (optional column name); empty when not given. Shown in fidelio list, never used to score.' },
    { name: 'email', type: 'VARCHAR', meaning: 'The customer\'s email as given by the customers input (optional column email); empty when not given. Shown in fidelio list, never used to score.' },
  ],
};

const rejectedRows: TableEntry = {
  name: 'rejected_rows',
  meaning: 'This run\'s rejected input lines, each with its reason.',
  key: ['kind', 'file', 'line'],
  sinks: ['duckdb', 'postgres'],
  columns: [
    { name: 'run_id', type: 'VARCHAR', notNull: true, meaning: 'The run that read (or skipped) the file.' },
    { name: 'kind', type: 'VARCHAR', notNull: true, values: ['orders', 'customers', 'tickets', 'referrals'], meaning: 'The input kind.' },
    { name: 'file', type: 'VARCHAR', notNull: true, meaning: 'The file (or database source) the line came from.' },
    { name: 'line', type: 'BIGINT', notNull: true, range: { min: 1 }, meaning: 'The physical line (or row) number.' },
    { name: 'raw', type: 'VARCHAR', meaning: 'The line as read.' },
    { name: 'reason', type: 'VARCHAR', notNull: true, meaning: 'Why it was rejected, with the value.' },
    { name: 'reason_class', type: 'VARCHAR', notNull: true, meaning: 'The reason without its value, to count by.' },
  ],
};

const modelMetrics: TableEntry = {
  name: 'model_metrics',
  meaning: 'The model\'s backtest figures (model_metrics.json) as rows, one per figure, appended run after run: a figure\'s course over the runs is one query.',
  key: ['run_id', 'metric'],
  sinks: ['postgres'],
  columns: [
    { name: 'run_id', type: 'VARCHAR', notNull: true, meaning: 'The run that published the figures.' },
    { name: 'as_of', type: 'DATE', notNull: true, meaning: 'That run\'s as-of.' },
    { name: 'model_version', type: 'VARCHAR', notNull: true, meaning: 'The models the figures are of (a kept champion\'s own backtest).' },
    { name: 'metric', type: 'VARCHAR', notNull: true, meaning: 'The figure\'s path in model_metrics.json, such as churn.auc, value.normalized_gini or churn.calibration[3].actual.' },
    { name: 'value', type: 'DOUBLE', meaning: 'The figure when it is a number; empty otherwise.' },
    { name: 'text_value', type: 'VARCHAR', meaning: 'The figure when it is a text or a flag (such as churn.model); empty for numbers.' },
  ],
};

const runs: TableEntry = {
  name: 'runs',
  meaning: 'One row per run published into this schema, with its manifest (run_manifest.json, no password in it).',
  key: ['run_id'],
  sinks: ['postgres'],
  columns: [
    { name: 'run_id', type: 'VARCHAR', notNull: true, meaning: 'The run.' },
    { name: 'started_at', type: 'TIMESTAMP WITH TIME ZONE', notNull: true, meaning: 'When it started.' },
    { name: 'published_at', type: 'TIMESTAMP WITH TIME ZONE', notNull: true, meaning: 'When its tables were switched in.' },
    { name: 'as_of', type: 'DATE', notNull: true, meaning: 'Its as-of.' },
    { name: 'horizon_days', type: 'INTEGER', notNull: true, range: { min: 1 }, meaning: 'Its horizon.' },
    { name: 'model_version', type: 'VARCHAR', notNull: true, meaning: 'The models that scored it.' },
    { name: 'currency', type: 'VARCHAR', notNull: true, meaning: 'The currency of its amounts.' },
    { name: 'customers', type: 'BIGINT', notNull: true, range: COUNT, meaning: 'Customers it scored.' },
    { name: 'manifest', type: 'VARCHAR', pgType: 'jsonb', notNull: true, meaning: 'Its run manifest as JSON (jsonb in PostgreSQL).' },
  ],
};

/** Every published table, in the order the docs list them. */
export const DATA_DICTIONARY: readonly TableEntry[] = [
  customerScores, kpisMonthly, kpisByGroup, actionEffects, personas, segmentPersonas, personaChoice, customerScoresHistory, customers, rejectedRows, modelMetrics, runs,
];

/** A table's declaration; throws for a table the dictionary does not hold. */
export function tableEntry(name: string): TableEntry {
  const entry = DATA_DICTIONARY.find((t) => t.name === name);
  if (!entry) throw new Error(`the data dictionary has no table ${name}`);
  return entry;
}

/** One check of a table's declaration as a query counting the rows that break it (0 when it holds); plain SQL read by DuckDB and PostgreSQL alike. */
export interface CheckQuery {
  readonly check: string;
  readonly sql: string;
}

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;
const text = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** The queries that check `entry`'s declared keys, not-nulls, ranges and values on the table named `relation` (its name by default). */
export function checkQueries(entry: TableEntry, relation = q(entry.name)): CheckQuery[] {
  const checks: CheckQuery[] = [];
  if (entry.key.length > 0) {
    const cols = entry.key.map(q).join(', ');
    checks.push({ check: `unique (${entry.key.join(', ')})`, sql: `SELECT count(*) FROM (SELECT ${cols} FROM ${relation} GROUP BY ${cols} HAVING count(*) > 1) d` });
  }
  for (const c of entry.columns) {
    const col = q(c.name);
    if (c.notNull || entry.key.includes(c.name)) checks.push({ check: `${c.name} not null`, sql: `SELECT count(*) FROM ${relation} WHERE ${col} IS NULL` });
    if (c.range?.min !== undefined) checks.push({ check: `${c.name} >= ${c.range.min}`, sql: `SELECT count(*) FROM ${relation} WHERE ${col} < ${c.range.min}` });
    if (c.range?.max !== undefined) checks.push({ check: `${c.name} <= ${c.range.max}`, sql: `SELECT count(*) FROM ${relation} WHERE ${col} > ${c.range.max}` });
    if (c.values) checks.push({ check: `${c.name} in (${c.values.join(', ')})`, sql: `SELECT count(*) FROM ${relation} WHERE ${col} NOT IN (${c.values.map(text).join(', ')})` });
  }
  return checks;
}
