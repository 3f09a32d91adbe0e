import { afterAll, beforeAll, expect, test } from 'vitest';
import { trainStage, type TrainParams } from '../../pipeline/train/trainStage.js';
import { stagedRun, type StagedRun } from '../helpers/stagedRun.js';

let run: StagedRun;
beforeAll(async () => {
  run = await stagedRun('features');
});
afterAll(() => run.close());

test('the first run trains and promotes; the next reuses the recent champion; --retrain trains again and the same model stays', async () => {
  const params: TrainParams = {
    horizonDays: 90, annualDiscountRate: 0.1, seed: 42, neural: false, maxTrainingRows: 50_000, minNetworkRows: 50, btyd: { penalty: 0.001, season: true },
    retrain: { always: false, maxAgeDays: 30, maxPsi: 0.2, neural: false }, modelsDir: `${run.dir}/models`,
  };
  const input = run.state as Parameters<typeof trainStage.run>[2];
  const first = await trainStage.run(run.ctx, params, input);
  expect(first.model).toMatchObject({ trained: first.models.version, promoted: true });
  expect(first.tfjsBackend).toBeUndefined();
  const registry = await run.db.all('SELECT model_version, status FROM model_registry');
  expect(registry).toEqual([{ model_version: first.models.version, status: 'champion' }]);

  const btydRows = await run.db.value('SELECT count(*) FROM training_btyd_features');
  // Keeping the champion builds nothing for training: no snapshots, no BG/NBD at the training cutoffs.
  await run.db.run('DROP TABLE training_snapshots; DROP TABLE training_btyd_features');
  const second = await trainStage.run(run.ctx, params, input);
  expect(second.model.trained).toBeNull();
  expect(second.model.reason).toContain('still fits');
  expect(second.models.version).toBe(first.models.version);
  expect(await run.db.value(`SELECT count(*) FROM duckdb_tables() WHERE table_name IN ('training_snapshots', 'training_btyd_features')`)).toBe(0);
  expect(await trainStage.rows!(run.ctx, second)).toEqual({ rows_in: 0 });

  const third = await trainStage.run(run.ctx, { ...params, retrain: { ...params.retrain, always: true } }, input);
  // The same data gives the same model: said as nothing changed, not as a promotion.
  expect(third.model).toEqual({ trained: first.models.version, promoted: false, unchanged: true,
    reason: `retrained on the same data, the models came out the same as the champion ${first.models.version}: nothing changed, it stays the champion` });
  expect(third.models.version).toBe(first.models.version);
  expect(await trainStage.rows!(run.ctx, third)).toEqual({ rows_in: await run.db.value('SELECT count(*) FROM training_snapshots') });
  // Training again rebuilds the training cutoffs' BG/NBD rows, never adds them twice.
  expect(await run.db.value('SELECT count(*) FROM training_btyd_features')).toBe(btydRows);
});
