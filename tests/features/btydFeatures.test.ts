import { afterAll, beforeAll, expect, test } from 'vitest';
import { bgnbdPAlive } from '../../pipeline/btyd/bgnbd.js';
import { fitBtydModels } from '../../pipeline/train/fitBtydModels.js';
import { summaryParams, summarySql } from '../../pipeline/features/btydSummary.js';
import { buildBtydFeatures } from '../../pipeline/features/btydFeatures.js';
import { buildSnapshots, planSnapshots } from '../../pipeline/features/snapshots.js';
import { SampleTables, buildTrainingSample, sampleUse } from '../../pipeline/features/trainingSample.js';
import { demoBase, type DemoBase } from '../helpers/demoBase.js';

const AS_OF = '2026-09-30';
const PLAN = planSnapshots({ asOf: AS_OF, horizonDays: 90, count: 3, spacingDays: 60 }, '2024-01-01');
let base: DemoBase;
beforeAll(async () => {
  base = await demoBase(2000, 11);
});
afterAll(() => base.close());

test("BG/NBD is fitted on part of the sample's histories at each cutoff and applied to every customer at the holdout and as-of", async () => {
  const { db } = base;
  const sample = await buildTrainingSample(db, 700, 42, 400);
  expect(sampleUse(sample)).toEqual({ sampled: 'sample', fitOn: 'fit' });
  const tables = new SampleTables(db);
  await buildSnapshots(db, PLAN, 90, await tables.sources('sample'));
  const fits = await buildBtydFeatures(db, tables, { sample: PLAN.trainCutoffs, everyone: [PLAN.holdoutCutoff, AS_OF] }, 90, sampleUse(sample));
  // Every cutoff's fit is returned, in the order fitted.
  expect([...fits.keys()]).toEqual([...PLAN.trainCutoffs, PLAN.holdoutCutoff, AS_OF]);
  const counts = await db.all<{ as_of: string; n: number; outside: number }>(`SELECT as_of, count(*) AS n,
      count(*) FILTER (WHERE customer_id NOT IN (SELECT customer_id FROM training_sample)) AS outside
    FROM btyd_features GROUP BY as_of ORDER BY as_of`);
  expect(counts.map((c) => c.as_of)).toEqual([...PLAN.trainCutoffs].sort().concat([PLAN.holdoutCutoff, AS_OF]));
  for (const c of counts) {
    if (PLAN.trainCutoffs.includes(c.as_of)) {
      // the training cutoffs hold the whole sample known then, not only the 400 the fit read
      expect(c.outside).toBe(0);
      expect(c.n).toBe(await db.value<number>(`SELECT count(*) FROM training_snapshots WHERE split = 'train' AND CAST(as_of AS VARCHAR) = $1`, [c.as_of]));
    } else expect(c.outside).toBeGreaterThan(c.n / 2);
  }
  expect(counts.find((c) => c.as_of === AS_OF)!.n).toBe(await db.value<number>('SELECT count(*) FROM customer_features'));

  // The fit at as-of is the fit subset's: the same parameters as fitting it directly, not the sample's or the base's.
  const onSubset = await fitBtydModels(db, await tables.orders('fit'), AS_OF);
  const onSample = await fitBtydModels(db, await tables.orders('sample'), AS_OF);
  const onAll = await fitBtydModels(db, 'orders', AS_OF);
  const fit = fits.get(AS_OF)!;
  expect(fit.params.r).toBeCloseTo(onSubset.bgnbd.r, 6);
  expect(fit.params.r).not.toBeCloseTo(onSample.bgnbd.r, 6);
  expect(fit.params.r).not.toBeCloseTo(onAll.bgnbd.r, 6);
  expect(onSubset.customers).toBeLessThan(onSample.customers);
  await tables.drop();

  // ...and every customer's P(alive) is that fit applied to the customer's own history.
  const rows = await db.all<{ customer_id: string; x: number; t_x: number; T: number; btyd_p_alive: number }>(`
    SELECT s.customer_id, s.x, s.t_x, s."T", b.btyd_p_alive
    FROM (${summarySql()}) s JOIN btyd_features b ON b.customer_id = s.customer_id AND b.as_of = $as_of
    WHERE s.customer_id NOT IN (SELECT customer_id FROM training_sample) ORDER BY s.customer_id LIMIT 50`,
  { ...summaryParams('orders', AS_OF, 7), as_of: AS_OF });
  expect(rows).toHaveLength(50);
  for (const r of rows) expect(r.btyd_p_alive).toBeCloseTo(bgnbdPAlive(fit.params, r.x, r.t_x, r.T), 12);
});
