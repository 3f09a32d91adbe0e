import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildSnapshots, networkWindows, planSnapshots } from '../../pipeline/features/snapshots.js';
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
