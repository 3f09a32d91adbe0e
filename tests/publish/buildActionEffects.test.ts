import { expect, test } from 'vitest';
import { buildActionEffects } from '../../pipeline/publish/buildActionEffects.js';
import { withDb } from '../helpers/withDb.js';

/** The difference of two proportions (Agresti-Caffo 90% interval) and of two means (Welch), computed here independently. */
function expected(retainedA: number, nA: number, retainedB: number, nB: number, spendA: number[], spendB: number[]) {
  const z = 1.6448536269514722;
  const [p1, p0] = [retainedA / nA, retainedB / nB];
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const variance = (xs: number[]) => xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / (xs.length - 1);
  const [a1, a0] = [(retainedA + 1) / (nA + 2), (retainedB + 1) / (nB + 2)];
  const rHalf = z * Math.sqrt((a1 * (1 - a1)) / (nA + 2) + (a0 * (1 - a0)) / (nB + 2));
  const mHalf = z * Math.sqrt(variance(spendA) / nA + variance(spendB) / nB);
  return { uplift: p1 - p0, rHalf, spend: mean(spendA) - mean(spendB), mHalf, p0 };
}

test('contacted against control over each run\'s own horizon: retention and spend with 90% intervals, net value, the measured save rate; too few and not yet passed told apart', async () => {
  await withDb(async (db) => {
    const history = (run: string, asOf: string, horizon: number, action: string, prefix: string, n: number, control: boolean) =>
      db.run(`INSERT INTO customer_scores_history (run_id, as_of, customer_id, action, contact, is_control, horizon_days)
        SELECT $run, CAST($as_of AS DATE), $prefix || range, $action, NOT $control, $control, $horizon FROM range($n)`,
      { run, as_of: asOf, prefix, action, n, control, horizon });
    await history('r0', '2026-01-01', 30, 'save', 's', 40, false);
    await history('r0', '2026-01-01', 30, 'save', 'k', 40, true);
    await history('r0', '2026-01-01', 30, 'surprise', 'p', 50, false);
    await history('r0', '2026-01-01', 30, 'surprise', 'q', 5, true);
    // A rerun on the same as-of that was replaced by a later publication: not measured.
    await history('20250101T000000Z-old', '2026-01-01', 30, 'save', 's', 40, false);
    // A run whose horizon (60 days) ends after this run's as-of.
    await history('r1', '2026-02-01', 60, 'save', 'x', 40, false);
    const order = (id: string, customer: string, day: string, amount: number) =>
      db.run(`INSERT INTO orders (order_id, customer_id, order_ts, order_date, amount) VALUES ($id, $c, CAST($d AS TIMESTAMPTZ), CAST($d AS DATE), $a)`, { id, c: customer, d: day, a: amount });
    // 30 of 40 contacted buy in the horizon (10 each), and one more buys and refunds it (a purchase, as the churn labels
    // count it, with no net spend); 20 of 40 controls buy; orders on the as-of day and after the horizon do not count.
    for (let i = 0; i < 30; i++) await order(`os${i}`, `s${i}`, '2026-01-15', 10);
    await order('refund-a', 's35', '2026-01-10', 25);
    await order('refund-b', 's35', '2026-01-12', -25);
    for (let i = 0; i < 20; i++) await order(`ok${i}`, `k${i}`, '2026-01-31', 10);
    await order('same-day', 'k30', '2026-01-01', 99);
    await order('late', 'k31', '2026-02-01', 99);
    // This run's own contacts: recorded, not yet measurable.
    await db.run(`CREATE TABLE customer_scores AS SELECT CAST('2026-03-01' AS DATE) AS as_of, 'g' || range AS customer_id, 'm' AS model_version,
      0.3 AS churn_probability, 'low' AS churn_risk, 100.0 AS predicted_clv_12m, 2 AS value_tier, false AS is_vip, 'loyal' AS segment,
      'grow' AS action, range > 0 AS contact, range = 0 AS is_control FROM range(4)`);

    const effects = await buildActionEffects(db, 'r2', '2026-03-01', { horizonDays: 90, minGroup: 30, costPerAction: 2, margin: 0.4 });
    expect(effects.map((e) => [e.run_id, e.action, e.status, e.contacted, e.controls, e.measurable_from])).toEqual([
      ['r2', 'grow', 'horizon_not_passed', 3, 1, '2026-05-30'],
      ['r1', 'save', 'horizon_not_passed', 40, 0, '2026-04-02'],
      ['r0', 'save', 'measured', 40, 40, '2026-01-31'],
      ['r0', 'surprise', 'too_few_customers', 50, 5, '2026-01-31'],
    ]);
    const save = effects.find((e) => e.run_id === 'r0' && e.action === 'save')!;
    const spendA = [...Array(30).fill(10), ...Array(10).fill(0)];
    const spendB = [...Array(20).fill(10), ...Array(20).fill(0)];
    const x = expected(31, 40, 20, 40, spendA, spendB);
    expect(save.retention_contacted).toBeCloseTo(0.775, 12);
    expect(save.retention_control).toBeCloseTo(0.5, 12);
    expect(save.retention_uplift).toBeCloseTo(x.uplift, 12);
    expect(save.retention_uplift_low).toBeCloseTo(x.uplift - x.rHalf, 12);
    expect(save.retention_uplift_high).toBeCloseTo(x.uplift + x.rHalf, 12);
    expect(save.spend_uplift).toBeCloseTo(x.spend, 12);
    expect(save.spend_uplift_low).toBeCloseTo(x.spend - x.mHalf, 12);
    expect(save.net_value_per_contact).toBeCloseTo(0.4 * x.spend - 2, 12);
    expect(save.net_value_total).toBeCloseTo((0.4 * x.spend - 2) * 40, 9);
    expect(save.save_rate).toBeCloseTo(x.uplift / (1 - x.p0), 12);
    for (const e of effects.filter((f) => f.status !== 'measured')) expect([e.retention_uplift, e.spend_uplift, e.save_rate]).toEqual([null, null, null]);
  });
});
