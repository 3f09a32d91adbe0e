import type { Config } from '../config.js';
import { ident, type Database, type Row } from '../db/Database.js';
import { readSql, readSqlWith } from '../db/sqlFile.js';

/** The publish stage's slice for measuring the actions. */
export interface EffectParams {
  horizonDays: number;
  /** Fewer contacted or control customers than this: too few to measure. */
  minGroup: number;
  /** What one contact costs (scoring.budget.costPerAction). */
  costPerAction: number;
  /** Share of spend that is margin (costs.grossMargin; 1 without costs): net value counts margin, not revenue. */
  margin: number;
}

/**
 * The configuration's slice for measuring the actions, but the horizon: the score stage's earlier runs'
 * effects and the publication's are made with the same (the publication reuses the former only when so).
 */
export const effectParams = (c: Config): Omit<EffectParams, 'horizonDays'> => ({
  minGroup: c.scoring.effects.minGroup, costPerAction: c.scoring.budget.costPerAction, margin: c.costs?.grossMargin ?? 1,
});

/** action_effects.sql's bound parameters, but whether the history's runs and this run's own contacts are included. */
export const actionEffectsParams = (runId: string, asOf: string, p: EffectParams) => ({
  run_id: runId, as_of: asOf, horizon: p.horizonDays, min_group: p.minGroup, cost_per_action: p.costPerAction, margin: p.margin,
});

/** The working table of the earlier runs' effects (buildPastActionEffects). */
export const PAST_EFFECTS = 'action_effects_past';

/** The earlier runs' effects as built for a run: their table and what they were built for (the run, its as-of, the parameters). */
export interface PastEffects {
  table: string;
  key: string;
}

/** Where action_effects.sql reads this run's scores. */
const THIS_RUN = "customer_scores /* this run's scores */";

/** No scores of this run, in the columns action_effects.sql reads of customer_scores. */
const THIS_RUN_NONE = `(SELECT CAST(NULL AS DATE) AS as_of, CAST(NULL AS VARCHAR) AS customer_id, CAST(NULL AS VARCHAR) AS action, CAST(NULL AS BOOLEAN) AS contact,
  CAST(NULL AS BOOLEAN) AS is_control, CAST(NULL AS DOUBLE) AS churn_probability, CAST(NULL AS VARCHAR) AS churn_risk, CAST(NULL AS VARCHAR) AS persona WHERE false)`;

const pastKey = (runId: string, asOf: string, p: EffectParams) => JSON.stringify(actionEffectsParams(runId, asOf, p));

/**
 * action_effects' rows of the runs the history holds (action_effects.sql without this run's contacts) as of
 * `asOf`, into PAST_EFFECTS: the score stage's measured rates read them, and the publication adds this run's rows
 * to them instead of measuring every earlier run again (buildActionEffects).
 */
export async function buildPastActionEffects(db: Database, runId: string, asOf: string, p: EffectParams): Promise<PastEffects> {
  // Without this run's contacts the query reads no customer_scores (a first run has none yet).
  const sql = readSqlWith('effects/action_effects.sql', THIS_RUN, THIS_RUN_NONE);
  await db.run(`CREATE OR REPLACE TABLE ${PAST_EFFECTS} AS ${sql}`, { ...actionEffectsParams(runId, asOf, p), with_history: true, with_this_run: false });
  return { table: PAST_EFFECTS, key: pastKey(runId, asOf, p) };
}

/** One row of action_effects (action_effects.sql has each column's meaning). */
export interface ActionEffect extends Row {
  run_id: string;
  as_of: string;
  action: string;
  horizon_days: number;
  measurable_from: string;
  status: 'measured' | 'horizon_not_passed' | 'too_few_customers';
  contacted: number;
  controls: number;
  retention_contacted: number | null;
  retention_control: number | null;
  retention_uplift: number | null;
  retention_uplift_low: number | null;
  retention_uplift_high: number | null;
  spend_contacted: number | null;
  spend_control: number | null;
  spend_uplift: number | null;
  spend_uplift_low: number | null;
  spend_uplift_high: number | null;
  net_value_per_contact: number | null;
  net_value_per_contact_low: number | null;
  net_value_per_contact_high: number | null;
  net_value_total: number | null;
  save_rate: number | null;
  save_rate_low: number | null;
  save_rate_high: number | null;
  /** 'all' (one row per run and action), or the group kind of a breakdown row. */
  breakdown: 'all' | 'persona' | 'churn_risk';
  group_name: string;
  reached: number;
  contact_rate: number | null;
  retention_uplift_on_contacted: number | null;
  retention_uplift_on_contacted_low: number | null;
  retention_uplift_on_contacted_high: number | null;
  retention_uplift_adjusted: number | null;
  retention_uplift_adjusted_low: number | null;
  retention_uplift_adjusted_high: number | null;
  interval_narrowing: number | null;
  retention_uplift_shrunk: number | null;
  retention_uplift_shrunk_low: number | null;
  retention_uplift_shrunk_high: number | null;
}

/**
 * A condition on `action_effects e` for one row per run and action: its overall rows (breakdown 'all'),
 * and every row of a publication made before the breakdown existed (no breakdown column).
 */
export const OVERALL_EFFECTS = `coalesce(json_extract_string(to_json(e), '$.breakdown'), 'all') = 'all'`;

/** The order action_effects is read and written in: newest run first, each action's overall row before its groups. */
export const ACTION_EFFECTS_ORDER = `as_of DESC, run_id DESC, action, CASE breakdown WHEN 'all' THEN 0 WHEN 'persona' THEN 1 ELSE 2 END, group_name`;

/**
 * The earlier runs' rows of action_effects as a full measure with this run gives them, from `past`: all of
 * them, or all but those of this run's as-of, which this run replaces (of runs on the same as-of only the latest
 * is measured, and it is this one when it has contacts and a later id). Null where `past` was built for another
 * run, as-of or parameters, or where this run would not replace an earlier one of its as-of that has an earlier
 * id (measured again then, as before).
 */
async function earlierRows(db: Database, runId: string, asOf: string, p: EffectParams, past?: PastEffects): Promise<string | null> {
  if (!past || past.key !== pastKey(runId, asOf, p) || !(await db.hasTable(past.table))) return null;
  const table = ident(past.table);
  const r = (await db.one<{ earlier: number; contacts: number; replaced: boolean | null }>(`SELECT
      (SELECT count(*) FROM ${table} WHERE as_of = CAST($as_of AS DATE)) AS earlier,
      (SELECT count(*) FROM customer_scores WHERE action <> 'none' AND (contact OR is_control)) AS contacts,
      (SELECT max(run_id) FROM ${table} WHERE as_of = CAST($as_of AS DATE)) < $run_id AS replaced`, { as_of: asOf, run_id: runId }))!;
  // No earlier run of this as-of, or none this run's contacts replace: every earlier row stands.
  if (Number(r.earlier) === 0 || Number(r.contacts) === 0) return `SELECT * FROM ${table}`;
  return r.replaced ? `SELECT * FROM ${table} WHERE as_of <> CAST($as_of AS DATE)` : null;
}

/**
 * Builds `action_effects` (action_effects.sql): every run's actions, this
 * run's included (as not yet measurable), contacted against control. The
 * history is that of the contacts actually published, so runs whose champion
 * changed in between are measured alike. Each action's overall row
 * (breakdown 'all') comes with one row per persona and per churn-risk band.
 *
 * With `past` (buildPastActionEffects' table for this run, as-of and
 * parameters) the earlier runs' rows are taken from it (earlierRows) and
 * only this run's are computed: each run's rows are figures of its own
 * contacts alone, but for which run of an as-of is measured.
 */
export async function buildActionEffects(db: Database, runId: string, asOf: string, p: EffectParams, past?: PastEffects): Promise<ActionEffect[]> {
  const params = actionEffectsParams(runId, asOf, p);
  const earlier = await earlierRows(db, runId, asOf, p, past);
  const sql = earlier !== null
    ? `SELECT * FROM (${earlier} UNION ALL BY NAME (${readSql('effects/action_effects.sql')})) ORDER BY ${ACTION_EFFECTS_ORDER}`
    : readSql('effects/action_effects.sql');
  await db.run(`CREATE OR REPLACE TABLE action_effects AS ${sql}`, { ...params, with_history: earlier === null, with_this_run: true });
  return db.all<ActionEffect>(`SELECT * FROM action_effects ORDER BY ${ACTION_EFFECTS_ORDER}`);
}
