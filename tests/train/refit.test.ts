import { afterAll, beforeAll, expect, test } from 'vitest';
import { silentLogger } from '../../pipeline/log.js';
import { untimed } from '../../pipeline/measure.js';
import { profileFeatures } from '../../pipeline/registry/drift.js';
import { dataFingerprint, refitForScoring } from '../../pipeline/train/refit.js';
import { stagedRun, withTrainingData, type StagedRun } from '../helpers/stagedRun.js';

let run: StagedRun;
beforeAll(async () => {
  run = await withTrainingData(await stagedRun('features'));
});
afterAll(() => run.close());

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
