import { expect, test } from 'vitest';
import { buildActionEffects, buildPastActionEffects } from '../../pipeline/effects/buildActionEffects.js';
import { Random } from '../../pipeline/shared/random.js';
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
    // Another measured run, later than r0: its horizon (2026-01-20, 2026-02-19] starts after r0's as-of and ends after r0's horizon.
    await history('r0b', '2026-01-20', 30, 'save', 't', 40, false);
    await history('r0b', '2026-01-20', 30, 'save', 'u', 40, true);
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
    // r0b: 25 of 40 contacted buy after r0's horizon has ended, 10 of 40 controls within it; one buys the day after r0b's horizon.
    for (let i = 0; i < 25; i++) await order(`ot${i}`, `t${i}`, '2026-02-15', 10);
    for (let i = 0; i < 10; i++) await order(`ou${i}`, `u${i}`, '2026-01-25', 10);
    await order('after-r0b', 't30', '2026-02-20', 10);
    // This run's own contacts: recorded, not yet measurable.
    await db.run(`CREATE TABLE customer_scores AS SELECT CAST('2026-03-01' AS DATE) AS as_of, 'g' || range AS customer_id, 'm' AS model_version,
      0.3 AS churn_probability, 'low' AS churn_risk, 100.0 AS predicted_clv_12m, 2 AS value_tier, false AS is_vip, 'loyal' AS segment,
      'grow' AS action, range > 0 AS contact, range = 0 AS is_control, 'Bargain hunters' AS persona FROM range(4)`);

    const effects = await buildActionEffects(db, 'r2', '2026-03-01', { horizonDays: 90, minGroup: 30, costPerAction: 2, margin: 0.4 });
    expect(effects.filter((e) => e.breakdown === 'all').map((e) => [e.run_id, e.action, e.status, e.contacted, e.controls, e.measurable_from])).toEqual([
      ['r2', 'grow', 'horizon_not_passed', 3, 1, '2026-05-30'],
      ['r1', 'save', 'horizon_not_passed', 40, 0, '2026-04-02'],
      ['r0b', 'save', 'measured', 40, 40, '2026-02-19'],
      ['r0', 'save', 'measured', 40, 40, '2026-01-31'],
      ['r0', 'surprise', 'too_few_customers', 50, 5, '2026-01-31'],
    ]);
    const save = effects.find((e) => e.run_id === 'r0' && e.action === 'save' && e.breakdown === 'all')!;
    const spendA = [...Array(30).fill(10), ...Array(10).fill(0)];
    const spendB = [...Array(20).fill(10), ...Array(20).fill(0)];
    const x = expected(31, 40, 20, 40, spendA, spendB);
    expect(save.retention_contacted).toBeCloseTo(0.775, 12);
    const later = effects.find((e) => e.run_id === 'r0b' && e.action === 'save' && e.breakdown === 'all')!;
    expect([later.retention_contacted, later.retention_control, later.spend_contacted, later.spend_control]).toEqual([25 / 40, 10 / 40, 250 / 40, 100 / 40]);
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

/**
 * Generated data with a known effect per buyer type (issue 30): the save works on bargain hunters (+25
 * points of retention for those reached), does nothing for big baskets and drives loyal regulars away
 * (-20 points); marketing reached 80% of the proposed. Retention falls with the churn score each
 * customer started from. Every figure is recomputed here from the generated rows.
 */
test('effects by persona recover each sign within their intervals; the contact rate turns intention to treat into the effect on the contacted; adjusting on the starting score narrows the interval; a small group is shrunk toward the overall', async () => {
  const TRUE: Record<string, number> = { 'Bargain hunters': 0.25, 'Big baskets': 0, 'Loyal regulars': -0.2, 'Few': 0.25 };
  const SIZE: Record<string, number> = { 'Bargain hunters': 1500, 'Big baskets': 1500, 'Loyal regulars': 1500, 'Few': 12 };
  const REACH = 0.8;
  const rng = new Random(30);
  type Row = { id: string; persona: string; x: number; proposed: boolean; reached: boolean; retained: boolean };
  const rows: Row[] = [];
  for (const persona of Object.keys(TRUE)) {
    for (let i = 0; i < 2 * SIZE[persona]!; i++) {
      const proposed = i % 2 === 0;
      const x = 0.25 + 0.5 * rng.uniform();
      const reached = proposed && rng.bernoulli(REACH);
      const retained = rng.bernoulli(1 - x + (reached ? TRUE[persona]! : 0));
      rows.push({ id: `${persona.replaceAll(' ', '')}-${i}`, persona, x, proposed, reached, retained });
    }
  }
  await withDb(async (db) => {
    await db.run('CREATE TEMP TABLE gen (customer_id VARCHAR, persona VARCHAR, x DOUBLE, proposed DOUBLE, reached DOUBLE, retained DOUBLE)');
    await db.appendColumns('gen', [rows.map((r) => r.id), rows.map((r) => r.persona), Float64Array.from(rows, (r) => r.x),
      Float64Array.from(rows, (r) => +r.proposed), Float64Array.from(rows, (r) => +r.reached), Float64Array.from(rows, (r) => +r.retained)]);
    await db.run(`INSERT INTO customer_scores_history (run_id, as_of, customer_id, model_version, churn_probability, churn_risk, action, contact, is_control, horizon_days, persona)
      SELECT 'r0', DATE '2026-01-01', customer_id, 'm', x, CASE WHEN x >= 0.6 THEN 'high' WHEN x >= 0.4 THEN 'medium' ELSE 'low' END,
        'save', proposed = 1, proposed = 0, 60, persona FROM gen`);
    await db.run(`INSERT INTO orders (order_id, customer_id, order_ts, order_date, amount)
      SELECT 'o' || customer_id, customer_id, TIMESTAMPTZ '2026-02-01 10:00:00+00', DATE '2026-02-01', 20 FROM gen WHERE retained = 1`);
    const contact = (where: string, on: string, action: string | null) => db.run(`INSERT INTO recorded_contacts
      (campaign_id, campaign, customer_id, list_name, action, channel, contacted_on, cost_per_contact, run_id, as_of, recorded_at)
      SELECT 'cmp', 'January saves', customer_id, 'save', $action, 'email', CAST($on AS DATE), 1.5, 'r0', DATE '2026-01-01', now() FROM gen WHERE ${where}`, { on, action });
    await contact('reached = 1', '2026-01-03', 'save');
    // Not reaches of this run's save: a contact after its horizon, a contact for another action, a control contacted.
    await contact('proposed = 1 AND reached = 0 AND x < 0.3', '2026-03-15', 'save');
    await contact('proposed = 1 AND reached = 0 AND x > 0.7', '2026-01-05', 'grow');
    await db.run(`CREATE TABLE customer_scores AS SELECT DATE '2026-04-01' AS as_of, 'n' AS customer_id, 'none' AS action, false AS contact, false AS is_control,
      0.5 AS churn_probability, 'medium' AS churn_risk, 'Few' AS persona`);

    const effects = (await buildActionEffects(db, 'r1', '2026-04-01', { horizonDays: 60, minGroup: 30, costPerAction: 2, margin: 0.4 })).filter((e) => e.run_id === 'r0');
    const row = (breakdown: string, group: string) => effects.find((e) => e.breakdown === breakdown && e.group_name === group)!;
    expect(effects.map((e) => `${e.breakdown}:${e.group_name}:${e.status}`)).toEqual([
      'all:all:measured', 'persona:Bargain hunters:measured', 'persona:Big baskets:measured', 'persona:Few:too_few_customers', 'persona:Loyal regulars:measured',
      'churn_risk:high:measured', 'churn_risk:low:measured', 'churn_risk:medium:measured']);

    // Recomputed from the rows: shares, the contact rate, the effect on the contacted.
    const z = 1.6448536269514722;
    const share = (xs: Row[], f: (r: Row) => boolean) => xs.filter(f).length / xs.length;
    const figures = (group: Row[]) => {
      const p = group.filter((r) => r.proposed);
      const k = group.filter((r) => !r.proposed);
      const itt = share(p, (r) => r.retained) - share(k, (r) => r.retained);
      const rate = share(p, (r) => r.reached);
      return { itt, rate, cace: itt / rate, n1: p.length, n0: k.length };
    };
    for (const persona of ['Bargain hunters', 'Big baskets', 'Loyal regulars']) {
      const e = row('persona', persona);
      const f = figures(rows.filter((r) => r.persona === persona));
      expect([e.contacted, e.controls, e.reached]).toEqual([f.n1, f.n0, rows.filter((r) => r.persona === persona && r.reached).length]);
      expect(e.contact_rate).toBeCloseTo(f.rate, 12);
      expect(e.retention_uplift).toBeCloseTo(f.itt, 12);
      expect(e.retention_uplift_on_contacted).toBeCloseTo(f.cace, 12);
      // The true effect of being proposed (80% of the effect on the contacted) and the effect on the contacted lie in their intervals.
      expect(e.retention_uplift_low!).toBeLessThan(REACH * TRUE[persona]!);
      expect(e.retention_uplift_high!).toBeGreaterThan(REACH * TRUE[persona]!);
      expect(e.retention_uplift_on_contacted_low!).toBeLessThan(TRUE[persona]!);
      expect(e.retention_uplift_on_contacted_high!).toBeGreaterThan(TRUE[persona]!);
    }
    // Each sign recovered: works on bargain hunters, none shown on big baskets, harms loyal regulars.
    expect(row('persona', 'Bargain hunters').retention_uplift_on_contacted_low!).toBeGreaterThan(0);
    expect(row('persona', 'Big baskets').retention_uplift_on_contacted_low!).toBeLessThan(0);
    expect(row('persona', 'Big baskets').retention_uplift_on_contacted_high!).toBeGreaterThan(0);
    expect(row('persona', 'Loyal regulars').retention_uplift_on_contacted_high!).toBeLessThan(0);

    // Overall: the contact rate is 80% within sampling, and dividing by it recovers the mean effect on the contacted.
    const all = row('all', 'all');
    const f = figures(rows);
    expect(all.contact_rate).toBeCloseTo(f.rate, 12);
    expect(Math.abs(all.contact_rate! - REACH)).toBeLessThan(0.02);
    const trueOnContacted = rows.filter((r) => r.reached).reduce((s, r) => s + TRUE[r.persona]!, 0) / rows.filter((r) => r.reached).length;
    expect(all.retention_uplift_on_contacted_low!).toBeLessThan(trueOnContacted);
    expect(all.retention_uplift_on_contacted_high!).toBeGreaterThan(trueOnContacted);
    // Its interval by the delta method, with the rate's binomial variance.
    const a1 = (f.n1 * share(rows.filter((r) => r.proposed), (r) => r.retained) + 1) / (f.n1 + 2);
    const a0 = (f.n0 * share(rows.filter((r) => !r.proposed), (r) => r.retained) + 1) / (f.n0 + 2);
    const vItt = a1 * (1 - a1) / (f.n1 + 2) + a0 * (1 - a0) / (f.n0 + 2);
    const half = z * Math.sqrt(vItt / f.rate ** 2 + f.itt ** 2 * f.rate * (1 - f.rate) / f.n1 / f.rate ** 4);
    expect(all.retention_uplift_on_contacted_high! - all.retention_uplift_on_contacted!).toBeCloseTo(half, 12);

    // Regression adjustment (Lin): each arm's own least-squares line, evaluated at the mean score of both arms.
    const fit = (xs: Row[]) => {
      const mx = xs.reduce((s, r) => s + r.x, 0) / xs.length;
      const my = xs.reduce((s, r) => s + +r.retained, 0) / xs.length;
      const sxy = xs.reduce((s, r) => s + (r.x - mx) * (+r.retained - my), 0);
      const sxx = xs.reduce((s, r) => s + (r.x - mx) ** 2, 0);
      const b = sxy / sxx;
      const rss = xs.reduce((s, r) => s + (+r.retained - my - b * (r.x - mx)) ** 2, 0);
      return { at: (x: number) => my + b * (x - mx), resid: rss / (xs.length - 2) / xs.length, plain: my * (1 - my) / (xs.length - 1) };
    };
    const xbar = rows.reduce((s, r) => s + r.x, 0) / rows.length;
    const [t, c] = [fit(rows.filter((r) => r.proposed)), fit(rows.filter((r) => !r.proposed))];
    expect(all.retention_uplift_adjusted).toBeCloseTo(t.at(xbar) - c.at(xbar), 10);
    expect(all.retention_uplift_adjusted_high! - all.retention_uplift_adjusted!).toBeCloseTo(z * Math.sqrt(t.resid + c.resid), 10);
    expect(all.interval_narrowing).toBeCloseTo(1 - Math.sqrt((t.resid + c.resid) / (t.plain + c.plain)), 10);
    expect(all.interval_narrowing!).toBeGreaterThan(0.02);

    // Shrinkage: the 12-and-12 group is pulled toward the overall uplift by tau2 / (tau2 + its variance).
    const few = row('persona', 'Few');
    expect([few.retention_uplift, few.retention_uplift_on_contacted]).toEqual([null, null]);
    const groups = ['Bargain hunters', 'Big baskets', 'Loyal regulars', 'Few'].map((p) => {
      const g = rows.filter((r) => r.persona === p);
      const gf = figures(g);
      const b1 = (g.filter((r) => r.proposed && r.retained).length + 1) / (gf.n1 + 2);
      const b0 = (g.filter((r) => !r.proposed && r.retained).length + 1) / (gf.n0 + 2);
      return { p, itt: gf.itt, v: b1 * (1 - b1) / (gf.n1 + 2) + b0 * (1 - b0) / (gf.n0 + 2) };
    });
    const tau2 = Math.max(0, groups.reduce((s, g) => s + (g.itt - f.itt) ** 2, 0) / 4 - groups.reduce((s, g) => s + g.v, 0) / 4);
    for (const g of groups) {
      const w = tau2 / (tau2 + g.v);
      const e = row('persona', g.p);
      expect(e.retention_uplift_shrunk).toBeCloseTo(f.itt + w * (g.itt - f.itt), 10);
      expect(e.retention_uplift_shrunk_high! - e.retention_uplift_shrunk!).toBeCloseTo(z * Math.sqrt(w * g.v), 10);
    }
    const fewGroup = groups.find((g) => g.p === 'Few')!;
    expect(Math.abs(few.retention_uplift_shrunk! - f.itt)).toBeLessThan(0.6 * Math.abs(fewGroup.itt - f.itt));
  });
});

test('a spend as large as an amount can be and a score the same for every customer: measured without overflow, the adjustment left at the plain uplift', async () => {
  await withDb(async (db) => {
    // 40 proposed and 40 controls at the same churn score (one whose variance, from the sums, rounds to a little above 0);
    // one proposed customer spends 9,999,999,999,999,999.99 three times over.
    await db.run(`INSERT INTO customer_scores_history (run_id, as_of, customer_id, churn_probability, action, contact, is_control, horizon_days)
      SELECT 'r0', DATE '2026-01-01', (CASE WHEN range < 40 THEN 's' ELSE 'k' END) || range, 0.006123, 'save', range < 40, range >= 40, 30 FROM range(80)`);
    for (const [id, customer, amount] of [['big-1', 's0', '9999999999999999.99'], ['big-2', 's0', '9999999999999999.99'], ['big-3', 's0', '9999999999999999.99'], ['small', 's1', '10'], ['control', 'k40', '20']]) {
      await db.run(`INSERT INTO orders (order_id, customer_id, order_ts, order_date, amount) VALUES ($id, $c, TIMESTAMPTZ '2026-01-10 10:00:00+00', DATE '2026-01-10', CAST($a AS DECIMAL(18, 2)))`, { id, c: customer, a: amount });
    }
    await db.run(`CREATE TABLE customer_scores AS SELECT DATE '2026-03-01' AS as_of, 'n' AS customer_id, 'none' AS action, false AS contact, false AS is_control,
      0.5 AS churn_probability, 'medium' AS churn_risk, 'p' AS persona`);
    const [e] = (await buildActionEffects(db, 'r1', '2026-03-01', { horizonDays: 30, minGroup: 30, costPerAction: 0, margin: 1 })).filter((r) => r.run_id === 'r0' && r.breakdown === 'all');
    expect(e!.status).toBe('measured');
    const spends = [3 * 9999999999999999.99, 10, ...Array(38).fill(0)];
    const mean = spends.reduce((s, x) => s + x, 0) / 40;
    expect(e!.spend_contacted! / mean).toBeCloseTo(1, 12);
    const variance = spends.reduce((s, x) => s + (x - mean) ** 2, 0) / 39;
    const controlVariance = (20 - 0.5) ** 2 / 39 + 39 * 0.5 ** 2 / 39;
    expect((e!.spend_uplift_high! - e!.spend_uplift!) / (1.6448536269514722 * Math.sqrt(variance / 40 + controlVariance / 40))).toBeCloseTo(1, 9);
    expect([e!.retention_contacted, e!.retention_control]).toEqual([2 / 40, 1 / 40]);
    expect(e!.retention_uplift_adjusted).toBe(e!.retention_uplift);
  });
});

test('the earlier runs\' effects built by the score stage are reused by the publication: the same rows as measuring every run again, an earlier run of this as-of left out where this run replaces it', async () => {
  await withDb(async (db) => {
    const history = (run: string, asOf: string, action: string, prefix: string, n: number, control: boolean) =>
      db.run(`INSERT INTO customer_scores_history (run_id, as_of, customer_id, action, contact, is_control, horizon_days, churn_probability, churn_risk, persona)
        SELECT $run, CAST($as_of AS DATE), $prefix || range, $action, NOT $control, $control, 30, (range % 10) / 10, CASE WHEN range % 2 = 0 THEN 'high' ELSE 'low' END,
          CASE WHEN range % 3 = 0 THEN 'Regulars' END FROM range($n)`,
      { run, as_of: asOf, prefix, action, n, control });
    await history('r0', '2026-01-01', 'save', 's', 40, false);
    await history('r0', '2026-01-01', 'save', 'k', 40, true);
    await history('r1', '2026-01-20', 'grow', 'g', 35, false);
    await history('r1', '2026-01-20', 'grow', 'h', 35, true);
    await db.run(`INSERT INTO orders (order_id, customer_id, order_ts, order_date, amount)
      SELECT 'o' || range, CASE WHEN range < 60 THEN 's' || (range % 40) WHEN range < 80 THEN 'k' || range - 60 WHEN range < 100 THEN 'g' || range - 80 ELSE 'h' || range - 100 END,
        CAST(DATE '2026-01-05' + CAST(range % 50 AS INTEGER) AS TIMESTAMPTZ), DATE '2026-01-05' + CAST(range % 50 AS INTEGER), 5 + range % 7 FROM range(110)`);
    const thisRun = (asOf: string) => db.run(`CREATE OR REPLACE TABLE customer_scores AS SELECT CAST($as_of AS DATE) AS as_of, 'n' || range AS customer_id,
      0.3 AS churn_probability, 'low' AS churn_risk, 'save' AS action, range > 2 AS contact, range <= 2 AS is_control, 'Regulars' AS persona FROM range(12)`, { as_of: asOf });
    const p = { horizonDays: 30, minGroup: 30, costPerAction: 2, margin: 0.4 };

    // This run on a new as-of: the earlier runs' rows from the score stage's table, this run's computed.
    await thisRun('2026-03-01');
    const full = await buildActionEffects(db, 'r2', '2026-03-01', p);
    expect(full.filter((e) => e.status === 'measured').map((e) => [e.run_id, e.action, e.breakdown])).toEqual([['r1', 'grow', 'all'], ['r0', 'save', 'all']]);
    const past = await buildPastActionEffects(db, 'r2', '2026-03-01', p);
    expect(await buildActionEffects(db, 'r2', '2026-03-01', p, past)).toEqual(full);
    // Taken from the table indeed: a figure changed in it shows in the result.
    await db.run(`UPDATE ${past.table} SET contacted = -1 WHERE run_id = 'r0'`);
    expect((await buildActionEffects(db, 'r2', '2026-03-01', p, past)).filter((e) => e.run_id === 'r0').every((e) => e.contacted === -1)).toBe(true);
    // Built for other parameters: measured again.
    expect(await buildActionEffects(db, 'r2', '2026-03-01', { ...p, margin: 0.5 }, past)).toEqual(await buildActionEffects(db, 'r2', '2026-03-01', { ...p, margin: 0.5 }));

    // This run on r1's as-of, with contacts and a later id, replaces r1 (the latest run of an as-of is measured): r1's
    // rows left out of the table's, the others taken from it.
    await thisRun('2026-01-20');
    const again = await buildActionEffects(db, 'r3', '2026-01-20', p);
    expect(again.some((e) => e.run_id === 'r1')).toBe(false);
    expect(again.some((e) => e.run_id === 'r3')).toBe(true);
    const pastAgain = await buildPastActionEffects(db, 'r3', '2026-01-20', p);
    expect((await db.value<number>(`SELECT count(*) FROM ${pastAgain.table} WHERE run_id = 'r1'`))).toBeGreaterThan(0);
    expect(await buildActionEffects(db, 'r3', '2026-01-20', p, pastAgain)).toEqual(again);
    await db.run(`UPDATE ${pastAgain.table} SET contacted = -1 WHERE run_id = 'r0'`);
    expect((await buildActionEffects(db, 'r3', '2026-01-20', p, pastAgain)).filter((e) => e.run_id === 'r0').every((e) => e.contacted === -1)).toBe(true);
    // An earlier id than r1's on its as-of: r1 stays the one measured, and this run's rows are none (as measuring every
    // run gives); measured again, not read from the table.
    const earlierId = await buildActionEffects(db, 'r0z', '2026-01-20', p);
    expect(earlierId.some((e) => e.run_id === 'r0z')).toBe(false);
    expect(earlierId.some((e) => e.run_id === 'r1')).toBe(true);
    const pastEarlier = await buildPastActionEffects(db, 'r0z', '2026-01-20', p);
    await db.run(`UPDATE ${pastEarlier.table} SET contacted = -1 WHERE run_id = 'r0'`);
    expect(await buildActionEffects(db, 'r0z', '2026-01-20', p, pastEarlier)).toEqual(earlierId);
    // No contacts in this run: r1 stays the one measured, every earlier row from the table.
    await db.run(`UPDATE customer_scores SET contact = false, is_control = false`);
    const none = await buildActionEffects(db, 'r3', '2026-01-20', p);
    expect(none.some((e) => e.run_id === 'r1')).toBe(true);
    expect(none.some((e) => e.run_id === 'r3')).toBe(false);
    const pastNone = await buildPastActionEffects(db, 'r3', '2026-01-20', p);
    expect(await buildActionEffects(db, 'r3', '2026-01-20', p, pastNone)).toEqual(none);
  });
});
