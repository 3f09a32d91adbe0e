import { afterAll, beforeAll, expect, test } from 'vitest';
import { silentLogger } from '../../pipeline/log.js';
import { untimed } from '../../pipeline/measure.js';
import { profileFeatures } from '../../pipeline/registry/drift.js';
import { RefitNetworksAhead, dataFingerprint, refitForScoring } from '../../pipeline/train/refit.js';
import { trainNeuralModels } from '../../pipeline/train/neuralTraining.js';
import { disposeNetworks } from '../../pipeline/learn/neuralModels.js';
import { initBackend } from '../../pipeline/learn/tfBackend.js';
import { TrainingStopped } from '../../pipeline/learn/trainPool.js';
import { stagedRun, withTrainingData, type StagedRun } from '../helpers/stagedRun.js';

let run: StagedRun;
beforeAll(async () => {
  await initBackend();
  run = await withTrainingData(await stagedRun('features'));
});
afterAll(() => run.close());

const weightsOf = (m: { getWeights: () => { dataSync: () => ArrayLike<number> }[] }) => m.getWeights().map((w) => Array.from(w.dataSync()));

test('the scoring models are learnt one horizon later: BTYD up to as-of, the table on every labelled cutoff', async () => {
  const { plan, asOf } = run.state;
  const refit = await refitForScoring(run.db, plan!, asOf!, { seed: 42, maxTrainingRows: 50_000, btydFitSource: 'orders', btydPenalty: 0.001, season: true, minNetworkRows: 50, horizonDays: 90 }, untimed, silentLogger);
  expect(refit.btyd.calibration_end).toBe(asOf);
  // with the description of the data they learnt from: the orders' digest and the features' drift profile
  expect(refit.data.fingerprint).toBe(await dataFingerprint(run.db, asOf!));
  expect(refit.data.profile).toEqual(await profileFeatures(run.db));
  expect(Object.keys(refit.data.profile).length).toBeGreaterThan(3);
  expect(refit.neural).toBeUndefined();
  expect(refit.cells.reduce((s, c) => s + c.n, 0)).toBe(await run.db.value<number>('SELECT count(*) FROM training_snapshots'));
});

test('the data fingerprint is stable and changes when the history up to as-of does', async () => {
  const { asOf } = run.state;
  const a = await dataFingerprint(run.db, asOf!);
  expect(await dataFingerprint(run.db, asOf!)).toBe(a);
  expect(a).toMatch(/^[0-9a-f]{16}$/);
  expect(await dataFingerprint(run.db, '2026-01-01')).not.toBe(a);
});

test('the refit\'s networks started ahead (RefitNetworksAhead) are the ones refitForScoring trains after the choice, weight for weight; stopped, they are not left training', async () => {
  const { plan, asOf } = run.state;
  const options = { seed: 42, maxTrainingRows: 50_000, btydFitSource: 'orders', btydPenalty: 0.001, season: true, minNetworkRows: 50, horizonDays: 90, threads: 2 };
  // The backtest's networks (small ones: the refit keeps their architectures and starts from their weights).
  const backtest = await trainNeuralModels(run.db, plan!.trainCutoffs.slice(1), plan!.trainCutoffs[0]!, 42, silentLogger, { churn: [[8]], value: [[8]] }, 50_000, 50);
  const architectures = { churn: [backtest.churn.hidden], value: [backtest.value.hidden] };
  try {
    const after = await refitForScoring(run.db, plan!, asOf!, { ...options, networks: { architectures, start: backtest } }, untimed, silentLogger);
    const early = new RefitNetworksAhead(run.db, plan!, asOf!, options, untimed, silentLogger);
    early.start(backtest);
    // the backtest's networks may go once started: their weights were copied
    const ahead = await refitForScoring(run.db, plan!, asOf!, { ...options, networks: { architectures, start: backtest, trained: early.take()! } }, untimed, silentLogger);
    await early.stop();
    for (const m of ['churn', 'value'] as const) {
      expect(ahead.neural![m].hidden).toEqual(after.neural![m].hidden);
      expect(weightsOf(ahead.neural![m].model)).toEqual(weightsOf(after.neural![m].model));
      expect(ahead.neural![m].epochs).toBe(after.neural![m].epochs);
    }
    // and they started from the backtest's weights: from their seed alone they end elsewhere
    const fromSeed = await refitForScoring(run.db, plan!, asOf!, { ...options, networks: { architectures } }, untimed, silentLogger);
    expect(weightsOf(fromSeed.neural!.churn.model)).not.toEqual(weightsOf(after.neural!.churn.model));
    for (const r of [after, ahead, fromSeed]) disposeNetworks(r.neural!);
    // Stopped as soon as started: the training fails with TrainingStopped (its rows not even read); once stopped there is
    // nothing to take, stopping again does nothing, and it starts no more.
    const unwanted = new RefitNetworksAhead(run.db, plan!, asOf!, options, untimed, silentLogger);
    unwanted.start(backtest);
    const training = unwanted.take()!;
    await unwanted.stop();
    await expect(training).rejects.toBeInstanceOf(TrainingStopped);
    expect(unwanted.take()).toBeUndefined();
    await unwanted.stop();
    unwanted.start(backtest);
    expect(unwanted.take()).toBeUndefined();
  } finally {
    disposeNetworks(backtest);
  }
});
