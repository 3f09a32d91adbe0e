import { afterAll, beforeAll, expect, test } from 'vitest';
import { trainStage, type TrainParams } from '../../pipeline/train/trainStage.js';
import { stagedRun, type StagedRun } from '../helpers/stagedRun.js';
import { CHURN_ARCHITECTURES, VALUE_ARCHITECTURES } from '../../pipeline/learn/neuralModels.js';
import { listModels, loadModelVersion } from '../../pipeline/registry/registry.js';

let run: StagedRun;
beforeAll(async () => {
  run = await stagedRun('features');
});
afterAll(() => run.close());

test('the first run trains and promotes; the next reuses the recent champion; --retrain trains again and the same model stays', async () => {
  const params: TrainParams = {
    horizonDays: 90, annualDiscountRate: 0.1, seed: 42, neural: false, maxTrainingRows: 50_000, minNetworkRows: 50, btyd: { penalty: 0.001, season: true },
    retrain: { always: false, maxAgeDays: 30, maxPsi: 0.2, neural: false }, modelsDir: `${run.dir}/models`, architectureSearch: 'when-needed',
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

test("a retrain keeps the champion's network architectures (no search) unless training.architectureSearch is 'always' or that challenger loses", async () => {
  const fresh = await stagedRun('features');
  try {
    const params: TrainParams = {
      horizonDays: 90, annualDiscountRate: 0.1, seed: 42, neural: true, maxTrainingRows: 50_000, minNetworkRows: 50, btyd: { penalty: 0.001, season: true },
      retrain: { always: true, maxAgeDays: 30, maxPsi: 0.2, neural: true }, modelsDir: `${fresh.dir}/models`, architectureSearch: 'when-needed',
    };
    const input = fresh.state as Parameters<typeof trainStage.run>[2];
    // The backtest's networks as recorded with each model version: the architectures tried and the one chosen.
    const searched = async (version: string) => {
      const row = (await listModels(fresh.db)).find((r) => r.model_version === version)!;
      const n = (await loadModelVersion(row.path)).metrics.networks as { churn: { hidden: number[]; candidates: { hidden: number[] }[] }; value: { hidden: number[]; candidates: { hidden: number[] }[] } };
      return { churn: n.churn.candidates.map((c) => c.hidden), value: n.value.candidates.map((c) => c.hidden), chosen: { churn: n.churn.hidden, value: n.value.hidden } };
    };
    // No champion: every architecture is tried.
    const first = await trainStage.run(fresh.ctx, params, input);
    expect(first.model.promoted).toBe(true);
    const firstNets = await searched(first.model.trained!);
    expect(firstNets.churn).toEqual(CHURN_ARCHITECTURES);
    expect(firstNets.value).toEqual(VALUE_ARCHITECTURES);
    // The scoring networks (when one wins) are refitted with the backtest's choice.
    if (first.models.neural) expect(first.models.neural.churn.hidden).toEqual(firstNets.chosen.churn);

    // A retrain with a champion: the challenger tries only the champion's architectures.
    const before = new Set((await listModels(fresh.db)).map((r) => r.model_version));
    const second = await trainStage.run(fresh.ctx, params, input);
    const added = (await listModels(fresh.db)).filter((r) => !before.has(r.model_version));
    const keptNets = await Promise.all(added.map((r) => searched(r.model_version)));
    const kept = keptNets.filter((n) => n.churn.length === 1);
    expect(kept).toHaveLength(1);
    expect(kept[0]!.churn).toEqual([firstNets.chosen.churn]);
    expect(kept[0]!.value).toEqual([firstNets.chosen.value]);
    if (second.model.promoted && second.model.trained !== first.model.trained) {
      // It won: nothing else was trained.
      expect(added).toHaveLength(1);
    } else {
      // It would have lost: the architectures were searched again, and that challenger (the first one, same seeds) was weighed.
      expect(second.model.trained).toBe(first.model.trained);
    }

    // 'always': every architecture is tried again, whatever the champion.
    const third = await trainStage.run(fresh.ctx, { ...params, architectureSearch: 'always' }, input);
    const thirdNets = await searched(third.model.trained!);
    expect(thirdNets.churn).toEqual(CHURN_ARCHITECTURES);
    expect(thirdNets.value).toEqual(VALUE_ARCHITECTURES);
  } finally {
    fresh.close();
  }
}, 300_000);
