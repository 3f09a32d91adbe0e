import { afterAll, beforeAll, expect, test } from 'vitest';
import { SampleTables } from '../../pipeline/features/trainingSample.js';
import { buildTrainingData } from '../../pipeline/train/trainingData.js';
import { stagedRun, type StagedRun } from '../helpers/stagedRun.js';

let run: StagedRun;
beforeAll(async () => {
  run = await stagedRun('features', { snapshots: { count: 3, spacingDays: 60 } });
});
afterAll(() => run.close());

test('the snapshots at every training cutoff and the holdout, and BG/NBD at each; the as-of rows left to the features stage; built twice, the same rows', async () => {
  const { plan, sample, asOf } = run.state;
  const customers = await run.db.value<number>('SELECT count(*) FROM customer_features');
  const build = async () => {
    const tables = new SampleTables(run.db);
    try {
      return await buildTrainingData(run.db, tables, plan!, sample!, { horizonDays: 90, season: true });
    } finally {
      await tables.drop();
    }
  };
  const fits = await build();
  expect([...fits.keys()]).toEqual([plan!.holdoutCutoff]);
  const splits = await run.db.all<{ split: string; cutoffs: number }>(`SELECT split, count(DISTINCT as_of) AS cutoffs FROM training_snapshots GROUP BY ALL ORDER BY split`);
  expect(splits).toEqual([{ split: 'holdout', cutoffs: 1 }, { split: 'train', cutoffs: plan!.trainCutoffs.length }]);
  const byCutoff = async (table: string) => run.db.all<{ c: string; n: number }>(`SELECT as_of AS c, count(*) AS n FROM ${table} GROUP BY ALL ORDER BY c`);
  const first = await byCutoff('training_btyd_features');
  expect(first.map((r) => r.c)).toEqual([...plan!.trainCutoffs, plan!.holdoutCutoff].sort());
  // Each snapshot row has its BG/NBD row at its cutoff; the features stage's table still holds as-of alone, every customer.
  expect(await run.db.value(`SELECT count(*) FROM training_snapshots t ANTI JOIN training_btyd_features b ON CAST(b.as_of AS DATE) = t.as_of AND b.customer_id = t.customer_id`)).toBe(0);
  expect(await byCutoff('btyd_features')).toEqual([{ c: asOf, n: customers }]);
  await build();
  expect(await byCutoff('training_btyd_features')).toEqual(first);
});
