import { pino } from 'pino';
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
    retrain: { always: false, maxAgeDays: 30, maxPsi: 0.2, neural: false }, modelsDir: `${run.dir}/models`, architectureSearch: 'when-needed', threads: 1,
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

test("a retrain keeps the champion's network architectures (no search, whatever the challenger's fate) unless training.architectureSearch is 'always'; model_metrics says which", async () => {
  const fresh = await stagedRun('features');
  try {
    const params: TrainParams = {
      horizonDays: 90, annualDiscountRate: 0.1, seed: 42, neural: true, maxTrainingRows: 50_000, minNetworkRows: 50, btyd: { penalty: 0.001, season: true },
      retrain: { always: true, maxAgeDays: 30, maxPsi: 0.2, neural: true }, modelsDir: `${fresh.dir}/models`, architectureSearch: 'when-needed', threads: 2,
    };
    const input = fresh.state as Parameters<typeof trainStage.run>[2];
    // The backtest's networks as recorded with each model version: the architectures tried and the one chosen.
    const searched = async (version: string) => {
      const row = (await listModels(fresh.db)).find((r) => r.model_version === version)!;
      type Net = { hidden: number[]; epochs: number; best_epochs: number; candidates: { hidden: number[] }[] };
      const n = (await loadModelVersion(row.path)).metrics.networks as { architecture_search: { searched: boolean; reason: string }; churn: Net; value: Net };
      return {
        churn: n.churn.candidates.map((c) => c.hidden), value: n.value.candidates.map((c) => c.hidden), chosen: { churn: n.churn.hidden, value: n.value.hidden }, search: n.architecture_search,
        epochs: { churn: n.churn.epochs, value: n.value.epochs }, best: { churn: n.churn.best_epochs, value: n.value.best_epochs },
      };
    };
    // No champion: every architecture is tried.
    const first = await trainStage.run(fresh.ctx, params, input);
    expect(first.model.promoted).toBe(true);
    const firstNets = await searched(first.model.trained!);
    expect(firstNets.churn).toEqual(CHURN_ARCHITECTURES);
    expect(firstNets.value).toEqual(VALUE_ARCHITECTURES);
    expect(firstNets.search).toEqual({ searched: true, reason: 'no champion with networks' });
    // Stopped early: the best epoch came patience (5) epochs before the last.
    expect(firstNets.best).toEqual({ churn: firstNets.epochs.churn - 5, value: firstNets.epochs.value - 5 });
    // The scoring networks (when one wins) are refitted with the backtest's choice.
    if (first.models.neural) expect(first.models.neural.churn.hidden).toEqual(firstNets.chosen.churn);

    // A retrain with a champion: the challenger tries only the champion's architectures.
    const before = new Set((await listModels(fresh.db)).map((r) => r.model_version));
    const said: { msg: string }[] = [];
    const second = await trainStage.run({ ...fresh.ctx, log: pino({ level: 'info' }, { write: (line: string) => void said.push(JSON.parse(line)) }) }, params, input);
    const kept = `the champion ${first.model.trained}'s architectures kept, trained for its epochs to the best (churn ${firstNets.best.churn}, value ${firstNets.best.value}) (training.architectureSearch: always searches at every retrain)`;
    // One challenger only, whether it won, lost or came out the champion itself: no second training with a search.
    expect(said.filter((l) => l.msg.startsWith("the networks' architectures")).map((l) => l.msg)).toEqual([`the networks' architectures: kept: ${kept}`]);
    expect(said.filter((l) => l.msg === 'backtest on the latest held-out horizon')).toHaveLength(1);
    const added = (await listModels(fresh.db)).filter((r) => !before.has(r.model_version));
    const sameSeeds = firstNets.chosen.churn.join() === CHURN_ARCHITECTURES[0]!.join() && firstNets.chosen.value.join() === VALUE_ARCHITECTURES[0]!.join();
    if (sameSeeds) {
      // The chosen were the first candidates, so the kept ones train from the same seeds: on the same data, for the
      // champion's epochs to its best, they come out with its very weights, and the challenger is the champion itself.
      expect(added).toHaveLength(0);
      expect(second.model).toMatchObject({ trained: first.model.trained, unchanged: true });
    } else {
      expect(added).toHaveLength(1);
      // A new version: its backtest tried the champion's architectures alone, and says they were kept.
      const secondNets = await searched(added[0]!.model_version);
      expect(secondNets.churn).toEqual([firstNets.chosen.churn]);
      expect(secondNets.value).toEqual([firstNets.chosen.value]);
      expect(secondNets.search).toEqual({ searched: false, reason: kept });
      // ...trained for the champion's epochs to its best, without stopping early.
      expect(secondNets.epochs).toEqual(firstNets.best);
      expect(secondNets.best).toEqual(firstNets.best);
    }

    // 'always': every architecture is tried again, whatever the champion.
    const third = await trainStage.run(fresh.ctx, { ...params, architectureSearch: 'always' }, input);
    const thirdNets = await searched(third.model.trained!);
    expect(thirdNets.churn).toEqual(CHURN_ARCHITECTURES);
    expect(thirdNets.value).toEqual(VALUE_ARCHITECTURES);
    expect(thirdNets.search).toEqual({ searched: true, reason: 'training.architectureSearch is always' });
  } finally {
    fresh.close();
  }
}, 300_000);
