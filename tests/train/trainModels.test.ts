import { afterAll, beforeAll, expect, test } from 'vitest';
import { initBackend } from '../../pipeline/learn/tfBackend.js';
import { trainsOnThreads } from '../../pipeline/learn/neuralModels.js';
import { silentLogger } from '../../pipeline/log.js';
import { recordedSteps } from '../../pipeline/measure.js';
import { trainModels } from '../../pipeline/train/trainModels.js';
import { stagedRun, withTrainingData, type StagedRun } from '../helpers/stagedRun.js';

let run: StagedRun;
beforeAll(async () => {
  await initBackend();
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

test('with networks on threads, the refit\'s networks start once the backtest\'s are trained, before the choice; with no network a champion they are stopped, and the models are the same', async () => {
  const { plan, asOf, sample } = run.state;
  const options = { horizonDays: 90, annualDiscountRate: 0.1, seed: 42, neural: true, maxTrainingRows: 50_000, btydFitSource: 'orders', sample, btydPenalty: 0.001, season: true, minNetworkRows: 50 };
  const trainWith = async (threads: number) => {
    const started: string[] = [];
    const { step } = recordedSteps(undefined, (name) => started.push(name));
    return { models: await trainModels(run.db, plan!, asOf!, { ...options, threads, step }, silentLogger), started };
  };
  // On two threads (the compiled worker): the refit's networks ('networks') start before the backtest's are scored on the holdout.
  expect(trainsOnThreads(2)).toBe(true);
  const ahead = await trainWith(2);
  expect(ahead.started.indexOf('networks')).toBeGreaterThan(-1);
  expect(ahead.started.indexOf('networks')).toBeLessThan(ahead.started.indexOf('backtest: networks on the holdout'));
  // On this small history the networks lose both choices (the table and the BTYD models win): no refit networks.
  expect(ahead.models.metrics.candidates?.churn.neural).toBeDefined();
  expect([ahead.models.churnModel, ahead.models.valueModel]).not.toContain('neural');
  expect(ahead.models.neural).toBeUndefined();
  // In the main thread (one thread) nothing starts ahead, and the refit trains no networks without a network champion.
  const after = await trainWith(1);
  expect(after.started).not.toContain('networks');
  // The same models: the same version and figures.
  expect(ahead.models.version).toBe(after.models.version);
  expect(ahead.models.metrics).toEqual(after.models.metrics);
});
