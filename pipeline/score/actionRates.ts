import type { Config } from '../config.js';
import { ident, type Database } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';
import { actionEffectsParams } from '../effects/buildActionEffects.js';
import { ACTIONS, type ActionRate } from '../shared/actionRate.js';

export type { ActionRate };



/**
 * The budget's rate per action: an action's measured save rate (the share
 * of the control group's churn that contacting prevented, action_effects.sql
 * over the published contact history as of this run's as-of) once its 90%
 * interval is at most scoring.effects.ratePrecision wide on each side, the
 * newest such run first; otherwise the assumed scoring.budget.saveRate. A
 * measured rate may be zero or negative: the action then keeps nothing, and
 * with a cost per contact the budget contacts nobody for it.
 */
export async function actionRates(db: Database, asOf: string, horizonDays: number, scoring: Pick<Config['scoring'], 'budget' | 'effects'>, past?: string): Promise<ActionRate[]> {
  const assumed = ACTIONS.map((action): ActionRate => ({ action, rate: scoring.budget.saveRate, source: 'assumed' }));
  // Nothing published yet (the first run): nothing measured. (A history implies an earlier customer_scores.)
  if ((await db.value<number>('SELECT count(*) FROM (SELECT 1 FROM customer_scores_history LIMIT 1)')) === 0) return assumed;
  // The earlier runs' effects: `past` (buildPastActionEffects' table, built for this as-of with scoring's minimum group;
  // its costs and margin move no rate), or measured here.
  const effects = past ? ident(past) : `(${readSql('effects/action_effects.sql')})`;
  const measured = await db.all<{ action: string; run_id: string; as_of: string; save_rate: number; low: number; high: number; contacted: number; controls: number }>(`
    SELECT action, run_id, CAST(as_of AS VARCHAR) AS as_of, save_rate, save_rate_low AS low, save_rate_high AS high, contacted, controls
    FROM ${effects}
    WHERE breakdown = 'all' AND status = 'measured' AND save_rate IS NOT NULL AND (save_rate_high - save_rate_low) / 2 <= $precision
      -- a measurement older than a year is not today's effect
      AND as_of > CAST($as_of AS DATE) - INTERVAL 365 DAY
    QUALIFY row_number() OVER (PARTITION BY action ORDER BY as_of DESC, run_id DESC) = 1`, past
    ? { as_of: asOf, precision: scoring.effects.ratePrecision }
    : {
      ...actionEffectsParams('', asOf, { horizonDays, minGroup: scoring.effects.minGroup, costPerAction: scoring.budget.costPerAction, margin: 1 }),
      with_history: true, with_this_run: false, precision: scoring.effects.ratePrecision,
    });
  return ACTIONS.map((action) => {
    const m = measured.find((r) => r.action === action);
    if (!m) return assumed.find((a) => a.action === action)!;
    return { action, rate: m.save_rate, source: 'measured', measured: { run_id: m.run_id, as_of: m.as_of, low: m.low, high: m.high, contacted: m.contacted, controls: m.controls } };
  });
}
