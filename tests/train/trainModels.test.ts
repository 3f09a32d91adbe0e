import { afterAll, beforeAll, expect, test } from 'vitest';
import { silentLogger } from '../../pipeline/log.js';
import { trainModels } from '../../pipeline/train/trainModels.js';
import { stagedRun, withTrainingData, type StagedRun } from '../helpers/stagedRun.js';

let run: StagedRun;
beforeAll(async () => {
  run = await withTrainingData(await stagedRun('features'));
});
afterAll(() => run.close());

test('trains, backtests and versions every candidate; training again on the same data gives the same version', async () => {
  const { plan, asOf, sample } = run.state;
  const options = { horizonDays: 90, annualDiscountRate: 0.1, seed: 42, neural: false, maxTrainingRows: 50_000, btydFitSource: 'orders', sample, btydPenalty: 0.001, season: true, minNetworkRows: 50 };
  const a = await trainModels(run.db, plan!, asOf!, options, silentLogger);
  expect(a.version).toMatch(/^fidelio-[0-9a-f]{12}$/);
  expect(['rf_table', 'bgnbd', a.btydModel]).toContain(a.churnModel);
  expect(a.metrics).toMatchObject({ btyd_model: { model: a.btydModel } });
  expect(a.metrics).toMatchObject({ model_version: a.version, holdout: { cutoff: plan!.holdoutCutoff }, btyd: { calibration_end: asOf } });
  expect(Object.keys(a.profile)).toEqual(['recency_days', 'purchase_days', 'net_spend', 'avg_order_value', 'tenure_days']);
  const b = await trainModels(run.db, plan!, asOf!, options, silentLogger);
  expect(b.version).toBe(a.version);
  expect(b.metrics).toEqual(a.metrics);
});
