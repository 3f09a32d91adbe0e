import { expect, test } from 'vitest';
import { loadConfig } from '../../pipeline/config.js';
import { buildPastActionEffects } from '../../pipeline/effects/buildActionEffects.js';
import { actionRates } from '../../pipeline/score/actionRates.js';
import { withDb } from '../helpers/withDb.js';

const scoring = loadConfig(undefined, { scoring: { budget: { saveRate: 0.25 }, effects: { minGroup: 30, ratePrecision: 0.1 } } }).scoring;

test('a precisely measured save rate replaces the assumed one, per action; imprecise or unmeasured actions keep the assumption', async () => {
  await withDb(async (db) => {
    expect((await actionRates(db, '2026-03-01', 30, scoring)).every((r) => r.source === 'assumed' && r.rate === 0.25)).toBe(true);
    const history = (run: string, action: string, prefix: string, n: number, control: boolean) =>
      db.run(`INSERT INTO customer_scores_history (run_id, as_of, customer_id, action, contact, is_control, horizon_days)
        SELECT $run, DATE '2026-01-01', $prefix || range, $action, NOT $control, $control, 30 FROM range($n)`, { run, prefix, action, n, control });
    // save: 400 a side, 60% of the contacted buy against 50% of controls: rate 0.2, half-width 1.645 x 0.0350 / 0.5 = 0.115 > 0.1.
    // grow: 2,000 a side, 70% against 50%: rate 0.4, half-width 1.645 x 0.0153 / 0.5 = 0.050.
    await history('r0', 'save', 's', 400, false);
    await history('r0', 'save', 'k', 400, true);
    await history('r0', 'grow', 'g', 2000, false);
    await history('r0', 'grow', 'h', 2000, true);
    await db.run(`CREATE TABLE customer_scores AS SELECT DATE '2026-03-01' AS as_of, 'x' AS customer_id, 'none' AS action, false AS contact, false AS is_control, 0.5 AS churn_probability, 'medium' AS churn_risk, 'p' AS persona`);
    const buy = (prefix: string, n: number) => db.run(`INSERT INTO orders (order_id, customer_id, order_ts, order_date, amount)
      SELECT 'o' || $prefix || range, $prefix || range, TIMESTAMPTZ '2026-01-10 12:00:00+00', DATE '2026-01-10', 10 FROM range($n)`, { prefix, n });
    await buy('s', 240);
    await buy('k', 200);
    await buy('g', 1400);
    await buy('h', 1000);
    const rates = await actionRates(db, '2026-03-01', 30, scoring);
    expect(rates.find((r) => r.action === 'save')).toEqual({ action: 'save', rate: 0.25, source: 'assumed' });
    const grow = rates.find((r) => r.action === 'grow')!;
    expect(grow.source).toBe('measured');
    expect(grow.rate).toBeCloseTo(0.4, 12);
    expect(grow.measured).toMatchObject({ run_id: 'r0', as_of: '2026-01-01', contacted: 2000, controls: 2000 });
    const [a1, a0] = [1401 / 2002, 1001 / 2002];
    expect(grow.measured!.high - grow.measured!.low).toBeCloseTo((2 * 1.6448536269514722 * Math.sqrt((a1 * (1 - a1) + a0 * (1 - a0)) / 2002)) / 0.5, 9);
    // A looser precision lets the save's measurement in too.
    const loose = await actionRates(db, '2026-03-01', 30, { ...scoring, effects: { ...scoring.effects, ratePrecision: 0.2 } });
    expect(loose.find((r) => r.action === 'save')!.rate).toBeCloseTo(0.2, 12);
    // Before the horizon has passed nothing is measured.
    expect((await actionRates(db, '2026-01-20', 30, scoring)).every((r) => r.source === 'assumed')).toBe(true);
    // From the earlier runs' effects the score stage builds (with the publication's costs and margin): the same rates.
    const past = await buildPastActionEffects(db, 'r1', '2026-03-01', { horizonDays: 30, minGroup: 30, costPerAction: 3, margin: 0.4 });
    expect(await actionRates(db, '2026-03-01', 30, scoring, past.table)).toEqual(rates);
    expect(await actionRates(db, '2026-03-01', 30, { ...scoring, effects: { ...scoring.effects, ratePrecision: 0.2 } }, past.table)).toEqual(loose);
  });
});
