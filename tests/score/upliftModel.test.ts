import { expect, test } from 'vitest';
import { backtestUplift, fitUplift, predictUplift, qiniCoefficient, qiniCurve, upliftTrainingRows, type UpliftRow } from '../../pipeline/score/upliftModel.js';
import { Random } from '../../pipeline/shared/random.js';
import { withDb } from '../helpers/withDb.js';

/**
 * Two campaigns of the save with a known effect per buyer type (issue 30): bargain hunters, at lower
 * risk, are kept by it (+25 points), big baskets are not moved, loyal regulars, at the highest risk, are
 * driven away (-20): targeting by churn risk contacts the ones it harms.
 */
const TRUE: Record<string, number> = { 'Bargain hunters': 0.25, 'Big baskets': 0, 'Loyal regulars': -0.2 };
const RISK: Record<string, [number, number]> = { 'Bargain hunters': [0.2, 0.5], 'Big baskets': [0.3, 0.7], 'Loyal regulars': [0.5, 0.8] };

async function campaigns(db: Parameters<Parameters<typeof withDb>[0]>[0]) {
  const rng = new Random(3030);
  const rows: { run: string; asOf: string; id: string; persona: string; x: number; proposed: boolean; retained: boolean }[] = [];
  for (const [run, asOf] of [['r1', '2026-01-01'], ['r2', '2026-04-01']] as const) {
    for (const persona of Object.keys(TRUE)) {
      for (let i = 0; i < 1200; i++) {
        const [lo, hi] = RISK[persona]!;
        const x = lo + (hi - lo) * rng.uniform();
        const proposed = i % 2 === 0;
        rows.push({ run, asOf, id: `${run}-${persona.replaceAll(' ', '')}-${i}`, persona, x, proposed, retained: rng.bernoulli(1 - x + (proposed ? TRUE[persona]! : 0)) });
      }
    }
  }
  await db.run('CREATE TEMP TABLE gen (run VARCHAR, as_of VARCHAR, customer_id VARCHAR, persona VARCHAR, x DOUBLE, proposed DOUBLE, retained DOUBLE)');
  await db.appendColumns('gen', [rows.map((r) => r.run), rows.map((r) => r.asOf), rows.map((r) => r.id), rows.map((r) => r.persona),
    Float64Array.from(rows, (r) => r.x), Float64Array.from(rows, (r) => +r.proposed), Float64Array.from(rows, (r) => +r.retained)]);
  await db.run(`INSERT INTO customer_scores_history (run_id, as_of, customer_id, model_version, churn_probability, churn_risk, action, contact, is_control, horizon_days, persona)
    SELECT run, CAST(as_of AS DATE), customer_id, 'm', x, 'high', 'save', proposed = 1, proposed = 0, 60, persona FROM gen`);
  await db.run(`INSERT INTO orders (order_id, customer_id, order_ts, order_date, amount)
    SELECT 'o' || customer_id, customer_id, CAST(as_of AS TIMESTAMPTZ) + INTERVAL 20 DAY, CAST(as_of AS DATE) + 20, 30 FROM gen WHERE retained = 1`);
  return rows;
}

test('the two-model learner finds each type\'s sign; backtested on the later campaign, uplift targeting keeps more customers than risk targeting at the same budget', async () => {
  await withDb(async (db) => {
    const generated = await campaigns(db);
    const rows = await upliftTrainingRows(db, '2026-07-01', 60);
    expect(rows).toHaveLength(generated.length);
    // Each row as generated: campaign, persona, score, side and outcome.
    const byId = new Map(generated.map((g) => [g.id, g]));
    for (const r of rows) {
      const g = byId.get(r.customer_id)!;
      expect([r.as_of, r.action, r.persona, r.churn_probability, r.treated, r.retained]).toEqual([g.asOf, 'save', g.persona, g.x, +g.proposed, +g.retained]);
    }
    // Capped: the latest campaign (the backtest's) whole, that many of the earlier one's, drawn alike from both sides,
    // the same on every call.
    const capped = await upliftTrainingRows(db, '2026-07-01', 60, 1000);
    expect(capped.filter((r) => r.as_of === '2026-04-01')).toHaveLength(3600);
    const earlier = capped.filter((r) => r.as_of === '2026-01-01');
    expect(earlier).toHaveLength(1000);
    expect(earlier.filter((r) => r.treated === 1).length).toBeGreaterThan(430);
    expect(earlier.filter((r) => r.treated === 1).length).toBeLessThan(570);
    expect(new Set(earlier.map((r) => r.persona)).size).toBe(3);
    expect(capped.every((r) => { const g = byId.get(r.customer_id)!; return r.retained === +g.retained && r.as_of === g.asOf; })).toBe(true);
    expect(await upliftTrainingRows(db, '2026-07-01', 60, 1000)).toEqual(capped);
    const model = fitUplift('save', rows)!;
    expect([model.proposed, model.controls]).toEqual([3600, 3600]);
    // Each type's sign, at its own typical risk.
    expect(predictUplift(model, 'Bargain hunters', 0.35)).toBeGreaterThan(0.15);
    expect(Math.abs(predictUplift(model, 'Big baskets', 0.5))).toBeLessThan(0.07);
    expect(predictUplift(model, 'Loyal regulars', 0.65)).toBeLessThan(-0.1);
    // Fewer than the stated minimum on a side: no model.
    const controls = rows.filter((r) => r.treated === 0);
    expect(fitUplift('save', [...rows.filter((r) => r.treated === 1), ...controls.slice(0, 199)])).toBeUndefined();
    expect(fitUplift('save', [...rows.filter((r) => r.treated === 1), ...controls.slice(0, 200)])).toBeDefined();

    const b = backtestUplift('save', rows)!;
    expect([b.test_as_of, b.train_as_of, b.test_customers]).toEqual(['2026-04-01', ['2026-01-01'], 3600]);
    expect(b.beats_risk).toBe(true);
    expect(b.qini_model).toBeGreaterThan(b.qini_risk);
    // At the same budget (the top 30% of the later campaign), by the truth: the customers each targeting contacts,
    // ranked here from the model trained on the first campaign only, and the effect they truly get.
    const trained = fitUplift('save', rows.filter((r) => r.as_of === '2026-01-01'))!;
    const later = generated.filter((g) => g.asOf === '2026-04-01');
    const top = (score: (g: (typeof later)[number]) => number) =>
      [...later].sort((a, c) => score(c) - score(a) || (a.id < c.id ? -1 : 1)).slice(0, Math.round(0.3 * later.length));
    const truly = (chosen: typeof later) => chosen.filter((g) => g.proposed).reduce((s, g) => s + TRUE[g.persona]!, 0);
    const byUplift = truly(top((g) => predictUplift(trained, g.persona, g.x)));
    const byRisk = truly(top((g) => g.x));
    expect(byUplift).toBeGreaterThan(100);
    expect(byRisk).toBeLessThan(0);
    // And as observed on the later campaign's outcomes (the Qini curve at 30%).
    expect(b.kept_model[2]!).toBeGreaterThan(b.kept_risk[2]!);
    expect(b.kept_model[2]!).toBeGreaterThan(b.kept_random[2]!);
    // The highest decile of predicted uplift is kept by the save; the lowest is driven away.
    expect(b.uplift_by_decile[0]!).toBeGreaterThan(0.1);
    expect(b.uplift_by_decile[9]!).toBeLessThan(-0.05);
  });
});

test('the Qini curve and coefficient on a hand-made campaign', () => {
  const row = (id: string, treated: number, retained: number, score: number): UpliftRow & { score: number } =>
    ({ as_of: 'd', action: 'save', customer_id: id, persona: 'p', churn_probability: score, treated, retained, score });
  // Ten customers, best first (t proposed, c control): t buys, c does not, t buys, c buys, and nobody after.
  const rows = [row('a', 1, 1, 10), row('b', 0, 0, 9), row('c', 1, 1, 8), row('d', 0, 1, 7), row('e', 1, 0, 6), row('f', 0, 0, 5),
    row('g', 1, 0, 4), row('h', 0, 0, 3), row('i', 1, 0, 2), row('j', 0, 0, 1)];
  const curve = qiniCurve(rows, (r) => r.churn_probability);
  // After k customers: treated retained - control retained x treated / controls.
  expect(curve).toEqual([1, 1 - 0, 2 - 0, 2 - (1 * 2) / 2, 2 - (1 * 3) / 2, 2 - (1 * 3) / 3, 2 - (1 * 4) / 3, 2 - (1 * 4) / 4, 2 - (1 * 5) / 4, 2 - (1 * 5) / 5]);
  const gains = curve.map((q, d) => q - (curve[9]! * (d + 1)) / 10);
  const area = gains.reduce((s, g, d) => s + (g + (d ? gains[d - 1]! : 0)) / 2 / 10, 0);
  expect(qiniCoefficient(curve, 10)).toBeCloseTo(area / 10, 12);
});
