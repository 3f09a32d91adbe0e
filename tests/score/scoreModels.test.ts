import { afterAll, beforeAll, expect, test } from 'vitest';
import { scoringSchema } from '../../pipeline/config.js';
import { scoreModels } from '../../pipeline/score/scoreModels.js';
import { scoreBtyd } from '../../pipeline/train/btydScoreTable.js';
import { customerFeaturesRead } from '../../pipeline/train/featureColumns.js';
import { trainNeuralModels } from '../../pipeline/train/neuralTraining.js';
import { silentLogger } from '../../pipeline/log.js';
import { stagedRun, type StagedRun } from '../helpers/stagedRun.js';

let run: StagedRun;
beforeAll(async () => {
  run = await stagedRun('train', { neural: false });
});
afterAll(() => run.close());

test("every customer gets the BTYD figures and the churn champion's probability; without networks neural_scores is empty", async () => {
  const models = run.state.models!;
  const scoring = scoringSchema.parse({ intervalDraws: 0 });
  for (const churnModel of ['rf_table', 'bgnbd'] as const) {
    for (const btydModel of ['bgnbd', 'pareto'] as const) {
      await scoreModels(run.db, { ...models, churnModel, btydModel }, run.state.asOf!, { horizonDays: 90, seed: 42, currency: 'USD', scoring });
      const n = await run.db.value<number>('SELECT count(*) FROM customer_features');
      expect(await run.db.value('SELECT count(*) FROM btyd_scores')).toBe(n);
      expect(await run.db.value('SELECT count(*) FROM churn_scores WHERE churn_probability BETWEEN 0 AND 1')).toBe(n);
      expect(await run.db.value('SELECT count(*) FROM neural_scores')).toBe(0);
      // The BTYD table from customer_features' summary is the one scored over the orders themselves, bit for bit.
      await scoreBtyd(run.db, models.btyd, run.state.asOf!, 'btyd_over_orders', { model: btydModel, horizonDays: 90, annualDiscountRate: scoring.annualDiscountRate, intervalDraws: 0, seed: 42 });
      expect(await run.db.columns('SELECT * FROM btyd_scores ORDER BY customer_id')).toEqual(await run.db.columns('SELECT * FROM btyd_over_orders ORDER BY customer_id'));
      if (churnModel === 'bgnbd') {
        // BG/NBD's P(no purchase), whichever BTYD model gives the other figures.
        expect(await run.db.value('SELECT count(*) FROM churn_scores c JOIN btyd_features b ON b.customer_id = c.customer_id AND b.as_of = $1 WHERE abs(c.churn_probability - b.btyd_p_no_purchase) > 1e-9', [run.state.asOf!])).toBe(0);
      }
    }
  }
  // btyd_scores is a view of the two tables it reads (each scoring above replaced both under it); no other work table is left.
  expect(await run.db.isView('btyd_scores')).toBe(true);
  expect((await run.db.all<{ t: string }>(`SELECT table_name AS t FROM duckdb_tables() WHERE table_name = 'btyd_churn_scores' OR table_name LIKE 'btyd_scores\\_\\_%' ESCAPE '\\' ORDER BY 1`)).map((r) => r.t))
    .toEqual(['btyd_scores__features_summary', 'btyd_scores__figures']);
});

test('a scoring that fails leaves no btyd_scores view reading a summary and figures of different runs', async () => {
  const models = run.state.models!;
  const scoring = scoringSchema.parse({ intervalDraws: 0 });
  await scoreModels(run.db, { ...models, churnModel: 'bgnbd', btydModel: 'bgnbd' }, run.state.asOf!, { horizonDays: 90, seed: 42, currency: 'USD', scoring });
  expect(await run.db.isView('btyd_scores')).toBe(true);
  // The churn model's scoring fails once the BTYD scores are made (a model no registry knows).
  await expect(scoreModels(run.db, { ...models, churnModel: 'no_such_model' as never, btydModel: 'bgnbd' }, run.state.asOf!, { horizonDays: 90, seed: 42, currency: 'USD', scoring }))
    .rejects.toThrow();
  expect(await run.db.isView('btyd_scores')).toBe(false);
  expect(await run.db.isTable('btyd_scores')).toBe(false);
  expect(await run.db.isTable('btyd_scores__features_summary')).toBe(false);
});

test("the networks' scores are paired with customer_features' rows by position where they read them in its order: the same figures as carried with their ids", async () => {
  const trained = await stagedRun('train', { neural: false });
  try {
    // Networks trained here on the run's snapshots, one architecture each (the demo's champions are BTYD models).
    const plan = trained.state.plan!;
    const neural = await trainNeuralModels(trained.db, plan.trainCutoffs, plan.holdoutCutoff, 42, silentLogger, { churn: [[8]], value: [[8]] }, 50_000, 50);
    const models = { ...trained.state.models!, neural };
    const scoring = scoringSchema.parse({ intervalDraws: 0 });
    const score = () => scoreModels(trained.db, { ...models, churnModel: 'neural' }, trained.state.asOf!, { horizonDays: 90, seed: 42, currency: 'USD', scoring }, undefined, undefined, 100);
    // Read in batches of 100 rows, so that the pairing spans many appends.
    expect((await customerFeaturesRead(trained.db)).inOrder).toBe(true);
    await score();
    const paired = await trained.db.columns('SELECT * FROM neural_scores ORDER BY customer_id');
    const n = await trained.db.value<number>('SELECT count(*) FROM customer_features');
    expect(paired.customer_id).toHaveLength(n);
    expect(await trained.db.value("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'neural_scores__figures'")).toBe(0);
    // Where a scan may give the rows in another order, the ids are carried with the scores: the same figures.
    await trained.db.run('SET preserve_insertion_order = false');
    expect((await customerFeaturesRead(trained.db)).inOrder).toBe(false);
    await score();
    expect(await trained.db.columns('SELECT * FROM neural_scores ORDER BY customer_id')).toEqual(paired);
    // And the churn champion's probability is the network's, customer by customer.
    expect(await trained.db.value('SELECT count(*) FROM churn_scores c JOIN neural_scores n USING (customer_id) WHERE c.churn_probability = n.churn_probability')).toBe(n);
  } finally {
    trained.close();
  }
});
