import { afterAll, beforeAll, expect, test } from 'vitest';
import { DataError } from '../../pipeline/errors.js';
import { featuresStage, type FeaturesParams } from '../../pipeline/features/featuresStage.js';
import { stagedRun, type StagedRun } from '../helpers/stagedRun.js';

let run: StagedRun;
beforeAll(async () => {
  run = await stagedRun('ingest');
});
afterAll(() => run.close());

const params: FeaturesParams = { horizonDays: 90, snapshots: { count: 3, spacingDays: 60 }, sampleCustomers: 100_000, btydFitCustomers: 30_000, seed: 42, season: true };

test('as of the last order by default: the features, the sample, the plan of the cutoffs and BG/NBD at as-of only', async () => {
  const out = await featuresStage.run(run.ctx, params, {});
  expect(out.asOf).toBe(await run.db.value('SELECT CAST(max(order_date) AS VARCHAR) FROM orders WHERE amount >= 0'));
  expect(out.plan.holdoutCutoff).toBe('2026-07-02');
  expect(out.plan.trainCutoffs).toHaveLength(3);
  expect(out.sample).toMatchObject({ partial: false });
  expect([...out.btydFits.keys()]).toEqual([out.asOf]);
  // The training cutoffs are the train stage's, built only when it trains.
  const cutoffs = await run.db.all<{ c: string; n: number }>('SELECT as_of AS c, count(*) AS n FROM btyd_features GROUP BY ALL ORDER BY c');
  expect(cutoffs).toEqual([{ c: out.asOf, n: await run.db.value('SELECT count(*) FROM customer_features') }]);
  expect(await featuresStage.rows!(run.ctx, out)).toMatchObject({ rows_out: out.sample.customers });
});

test('an as-of before every order, or a history shorter than two horizons, stops with what to do', async () => {
  await expect(featuresStage.run(run.ctx, { ...params, asOf: '2020-01-01' }, {})).rejects.toThrow(/no customer has an order on or before --as-of 2020-01-01/);
  await expect(featuresStage.run(run.ctx, { ...params, asOf: '2024-06-01', horizonDays: 365 }, {})).rejects.toThrow(DataError);
});
