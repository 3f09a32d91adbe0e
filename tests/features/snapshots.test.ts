import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildSnapshots, networkWindows, planSnapshots } from '../../pipeline/features/snapshots.js';
import { addDays, dateParam, type Database } from '../../pipeline/db/Database.js';
import { buildFeatures, type FeatureSources } from '../../pipeline/features/customerFeatures.js';
import { SampleTables, buildTrainingSample } from '../../pipeline/features/trainingSample.js';
import { demoBase, type DemoBase } from '../helpers/demoBase.js';
import { AS_OF, LATER_ORDERS, ORDERS, TICKETS, featuresOf } from '../helpers/handHistory.js';
import { withDb, withTempDir } from '../helpers/withDb.js';

describe('the snapshot plan', () => {
  test('holds out the latest full horizon and steps training cutoffs back without overlap', () => {
    expect(planSnapshots({ asOf: '2025-09-30', horizonDays: 90, count: 3, spacingDays: 30 }, '2024-01-01')).toEqual({
      holdoutCutoff: '2025-07-02',
      trainCutoffs: ['2025-04-03', '2025-03-04', '2025-02-02'],
    });
    // Cutoffs on or before the first order are dropped.
    expect(planSnapshots({ asOf: '2025-09-30', horizonDays: 90, count: 3, spacingDays: 30 }, '2025-03-04').trainCutoffs).toEqual(['2025-04-03']);
  });

  test('the networks stop early and calibrate on the same season a year before when the plan has it, else on the latest cutoff', () => {
    const plan = planSnapshots({ asOf: '2011-12-09', horizonDays: 90, count: 10, spacingDays: 30 }, '2009-12-01');
    expect(plan.holdoutCutoff).toBe('2011-09-10');
    const w = networkWindows(plan.trainCutoffs, plan.holdoutCutoff, plan.trainCutoffs[0]!, 90);
    // 364 days before 2011-09-10 is 2010-09-11; the plan's nearest cutoff is 2010-09-15.
    expect(w).toMatchObject({ validation: '2010-09-15', sameSeason: true });
    // Fitting on cutoffs whose 90-day labels do not overlap the validation's, and none within a horizon of the holdout.
    expect(w.fit).toEqual(plan.trainCutoffs.filter((c) => Math.abs(Date.parse(c) - Date.parse('2010-09-15')) >= 90 * 86_400_000));
    expect(w.fit).not.toContain('2010-10-15');
    // Under a year of cutoffs: the latest one, fitting on those a horizon before it (the first version's windows).
    const short = planSnapshots({ asOf: '2025-09-30', horizonDays: 90, count: 4, spacingDays: 30 }, '2024-06-01');
    expect(networkWindows(short.trainCutoffs, short.holdoutCutoff, short.trainCutoffs[0]!, 90)).toEqual({
      validation: '2025-04-03', fit: ['2025-01-03'], sameSeason: false,
    });
  });
});

describe('training snapshots on a hand-made history', () => {
  test('labels count what each customer did in (cutoff, cutoff + horizon]', async () => {
    const rows = await withTempDir((dir) =>
      withDb(async (db) => {
        await featuresOf(db, dir, [...ORDERS, ...LATER_ORDERS], TICKETS);
        await buildSnapshots(db, { holdoutCutoff: AS_OF, trainCutoffs: ['2025-03-01'] }, 30);
        return db.all(`SELECT CAST(as_of AS VARCHAR) AS cutoff, split, customer_id, future_orders, future_spend, churned, recency_days
          FROM training_snapshots ORDER BY cutoff, customer_id`);
      }),
    );
    expect(rows).toEqual([
      // As of 03-01: A bought that day (recency 0); in (03-01, 03-31] only a refund: no purchase, churned.
      { cutoff: '2025-03-01', split: 'train', customer_id: 'A', future_orders: 0, future_spend: -20, churned: true, recency_days: 0 },
      // As of 06-30: A buys O5 on 07-15; B buys nothing; C's first order (07-01) is a label, not a customer yet.
      { cutoff: '2025-06-30', split: 'holdout', customer_id: 'A', future_orders: 1, future_spend: 999, churned: false, recency_days: 20 },
      { cutoff: '2025-06-30', split: 'holdout', customer_id: 'B', future_orders: 0, future_spend: 0, churned: true, recency_days: 0 },
    ]);
  });
});

describe('snapshots of a training sample', () => {
  const PLAN = planSnapshots({ asOf: '2026-09-30', horizonDays: 90, count: 3, spacingDays: 60 }, '2024-01-01');
  let base: DemoBase;
  beforeAll(async () => {
    base = await demoBase(2000, 11);
  });
  afterAll(() => base.close());

  test("hold the sample's customers with the features the whole computation gives them, at the holdout too", async () => {
    const { db } = base;
    await buildSnapshots(db, PLAN, 90);
    await db.run('CREATE OR REPLACE TABLE snapshots_whole AS SELECT * FROM training_snapshots');
    await buildTrainingSample(db, 700, 42);
    const tables = new SampleTables(db);
    await buildSnapshots(db, PLAN, 90, await tables.sources('sample'));
    await tables.drop();

    expect(await db.value<number>(`SELECT count(*) FROM training_snapshots
      WHERE customer_id NOT IN (SELECT customer_id FROM training_sample)`)).toBe(0);
    // Every column of every sampled row is what the whole computation gives for that customer and cutoff.
    const restricted = `(SELECT * FROM snapshots_whole WHERE customer_id IN (SELECT customer_id FROM training_sample))`;
    expect(await db.value<number>(`SELECT count(*) FROM (SELECT * FROM training_snapshots EXCEPT ALL SELECT * FROM ${restricted})`)).toBe(0);
    expect(await db.value<number>(`SELECT count(*) FROM (SELECT * FROM ${restricted} EXCEPT ALL SELECT * FROM training_snapshots)`)).toBe(0);
    // The holdout: the sample's customers who had bought by its cutoff, far fewer than the whole base's.
    const holdout = await db.value<number>(`SELECT count(*) FROM training_snapshots WHERE split = 'holdout'`);
    expect(holdout).toBe(await db.value<number>(`SELECT count(DISTINCT customer_id) FROM orders WHERE order_date <= $1 AND amount >= 0
      AND customer_id IN (SELECT customer_id FROM training_sample)`, [PLAN.holdoutCutoff]));
    expect(holdout).toBeLessThan(0.5 * (await db.value<number>(`SELECT count(*) FROM snapshots_whole WHERE split = 'holdout'`)));
    expect(await db.value<number>(`SELECT count(*) FROM training_snapshots WHERE split = 'train'`))
      .toBeLessThan(0.5 * (await db.value<number>(`SELECT count(*) FROM snapshots_whole WHERE split = 'train'`)));
  });
});

describe('the snapshots at every cutoff in one pass', () => {
  const PLAN = planSnapshots({ asOf: '2026-09-30', horizonDays: 90, count: 6, spacingDays: 45 }, '2024-01-01');
  let base: DemoBase;
  beforeAll(async () => {
    base = await demoBase(600, 5);
    const { db } = base;
    // Beside the generated orders: several invoices a day (three on one day, two refunded on the next), a guest's
    // orders and lines (no customer), a customer whose first order comes after the early cutoffs, line items whose
    // order spans two days, a returned line, a product known only by name, and lines without a product or a category.
    const order = (id: string, customer: string | null, day: string, amount: string, category: string | null, channel: string | null, discount: boolean | null) =>
      db.run(`INSERT INTO orders (order_id, customer_id, order_ts, order_date, amount, category, channel, discount_used)
        VALUES ($1, $2, CAST($3 AS TIMESTAMPTZ), CAST($3 AS DATE), CAST($4 AS DECIMAL(18, 2)), $5, $6, $7)`, [id, customer, day, amount, category, channel, discount]);
    const line = (id: string, customer: string | null, day: string, product: string | null, name: string | null, category: string | null, quantity: string | null, amount: string) =>
      db.run(`INSERT INTO order_lines (order_id, customer_id, order_ts, order_date, product_id, product_name, category, quantity, amount)
        VALUES ($1, $2, CAST($3 AS TIMESTAMPTZ), CAST($3 AS DATE), $4, $5, $6, CAST($7 AS DECIMAL(18, 3)), CAST($8 AS DECIMAL(18, 2)))`, [id, customer, day, product, name, category, quantity, amount]);
    for (const [i, day] of [PLAN.trainCutoffs[2]!, PLAN.trainCutoffs[2]!, PLAN.trainCutoffs[2]!].entries()) await order(`X${i}`, 'X', day, `${10 + i}.25`, i === 2 ? null : 'books', i === 1 ? 'app' : 'web', i === 0);
    await order('XR1', 'X', addDays(PLAN.trainCutoffs[2]!, 1), '-5.10', 'books', 'web', null);
    await order('XR2', 'X', addDays(PLAN.trainCutoffs[2]!, 1), '-1.00', null, null, null);
    await order('X9', 'X', addDays(PLAN.holdoutCutoff, 3), '40.00', 'toys', 'store', false);
    await order('G1', null, PLAN.trainCutoffs[4]!, '99.00', 'books', 'web', false);
    await order('G2', null, addDays(PLAN.holdoutCutoff, 10), '-99.00', 'books', 'web', false);
    // L buys first after the second training cutoff: absent from the earlier snapshots, a label of one of them.
    await order('L1', 'L', addDays(PLAN.trainCutoffs[1]!, 1), '30.00', 'garden', 'web', true);
    await line('L1', 'L', addDays(PLAN.trainCutoffs[1]!, 1), 'P1', 'spade', 'garden', '2', '20.00');
    await line('L1', 'L', addDays(PLAN.trainCutoffs[1]!, 2), null, 'rake', 'garden', '1.5', '10.00');
    await order('L2', 'L', addDays(PLAN.trainCutoffs[0]!, -1), '12.00', 'garden', 'app', false);
    await line('L2', 'L', addDays(PLAN.trainCutoffs[0]!, -1), 'P1', 'spade', 'garden', '1', '12.00');
    await line('L2', 'L', addDays(PLAN.trainCutoffs[0]!, -1), null, null, null, null, '0.00');
    await order('L3', 'L', PLAN.holdoutCutoff, '-12.00', 'garden', 'app', null);
    await line('L3', 'L', PLAN.holdoutCutoff, 'P1', 'spade', 'garden', '-1', '-12.00');
    await line('G1', null, PLAN.trainCutoffs[4]!, 'P2', 'lamp', 'home', '3', '99.00');
  });
  afterAll(() => base.close());

  /** The per-cutoff computation, independently: customer_features.sql at each cutoff, the labels counted in a query of their own. */
  async function perCutoff(db: Database, sources: FeatureSources) {
    const rows: Record<string, unknown>[] = [];
    for (const [c, split] of [...PLAN.trainCutoffs.map((c) => [c, 'train']), [PLAN.holdoutCutoff, 'holdout']] as const) {
      await buildFeatures(db, c, sources, 'reference_features');
      rows.push(...await db.all(`SELECT f.* EXCLUDE (weekend_share, top_category, repeat_purchase_spend, repeat_refunds), CAST($split AS VARCHAR) AS split,
          (SELECT count(*) FROM ${sources.orders} r WHERE r.customer_id = f.customer_id AND r.amount >= 0 AND r.order_date > $c AND r.order_date <= $end) AS future_orders,
          coalesce((SELECT sum(r.amount) FROM ${sources.orders} r WHERE r.customer_id = f.customer_id AND r.order_date > $c AND r.order_date <= $end), 0) AS future_spend
        FROM reference_features f ORDER BY f.customer_id`, { split, c: dateParam(c), end: dateParam(addDays(c, 90)) }));
    }
    return rows.map((r) => ({ ...r, churned: Number(r.future_orders) === 0 }));
  }

  test("give every column of every row customer_features.sql gives at each cutoff, in the plan's order, of everyone and of a sample", async () => {
    const { db } = base;
    for (const who of ['all', 'sample'] as const) {
      if (who === 'sample') await buildTrainingSample(db, 300, 7);
      const tables = new SampleTables(db);
      const sources = await tables.sources(who);
      const expected = await perCutoff(db, sources);
      const n = await buildSnapshots(db, PLAN, 90, sources);
      const got = await db.all('SELECT * FROM training_snapshots');
      await tables.drop();
      expect(n).toBe(expected.length);
      expect(got).toEqual(expected);
      // The same column names and types as the features table (but the personas' two traits and the repeat purchases, which only scoring reads) with the four label columns.
      const types = async (sql: string) => db.all(`SELECT column_name, column_type FROM (DESCRIBE ${sql})`);
      expect(await types('training_snapshots')).toEqual([
        ...await types('(SELECT * EXCLUDE (weekend_share, top_category, repeat_purchase_spend, repeat_refunds) FROM reference_features)'),
        { column_name: 'split', column_type: 'VARCHAR' }, { column_name: 'future_orders', column_type: 'BIGINT' },
        { column_name: 'future_spend', column_type: 'DECIMAL(38,2)' }, { column_name: 'churned', column_type: 'BOOLEAN' },
      ]);
      if (who === 'all') {
        // The fixture's cases are in it: X's three invoices of a day and two refunds, L from its first order on, the guest nowhere.
        const x = got.find((r) => r.customer_id === 'X' && String(r.as_of).startsWith(PLAN.trainCutoffs[1]!));
        expect(x).toMatchObject({ orders_count: 3, purchase_days: 1, refund_count: 2 });
        expect(got.filter((r) => r.customer_id === 'L').map((r) => String(r.as_of).slice(0, 10))).toEqual([PLAN.trainCutoffs[0], PLAN.holdoutCutoff]);
        expect(got.some((r) => r.customer_id === null)).toBe(false);
        const lCutoff = got.find((r) => r.customer_id === 'L' && String(r.as_of).startsWith(PLAN.trainCutoffs[0]!))!;
        expect(lCutoff).toMatchObject({ distinct_products: 2, avg_basket_lines: 2 });
      }
    }
  });
});
