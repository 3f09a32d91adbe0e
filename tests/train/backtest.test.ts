import { afterAll, beforeAll, expect, test } from 'vitest';
import { scoreBtyd } from '../../pipeline/train/btydScoreTable.js';
import { SampleTables } from '../../pipeline/features/trainingSample.js';
import { runBacktest } from '../../pipeline/train/backtest.js';
import { silentLogger } from '../../pipeline/log.js';
import { untimed } from '../../pipeline/measure.js';
import { stagedRun, withTrainingData, type StagedRun } from '../helpers/stagedRun.js';

let run: StagedRun;
beforeAll(async () => {
  run = await withTrainingData(await stagedRun('features', { snapshots: { count: 2, spacingDays: 60 } }));
});
afterAll(() => run.close());

const options = { horizonDays: 90, annualDiscountRate: 0.1, seed: 42, neural: false, maxTrainingRows: 50_000, btydFitSource: 'orders', btydPenalty: 0.001, season: true, minNetworkRows: 50 };

test('every candidate scores the same holdout customers, learnt only from data before the holdout', async () => {
  const { plan } = run.state;
  const b = await runBacktest(run.db, plan!, options, untimed, silentLogger);
  const holdout = await run.db.value<number>(`SELECT count(*) FROM training_snapshots WHERE split = 'holdout'`);
  expect(b.churned.length).toBe(holdout);
  for (const scores of [...Object.values(b.churnScores), ...Object.values(b.valueScores)]) expect(scores!.length).toBe(holdout);
  // The table, BG/NBD's P(no purchase), and the chosen purchase model's when it is another of the BG/NBD family.
  const chosen = b.btydChoice.model;
  expect(Object.keys(b.churnScores)).toEqual(['rf_table', 'bgnbd', ...(chosen !== 'bgnbd' && !chosen.startsWith('pareto') ? [chosen] : [])]);
  expect(b.btydChoice.candidates.map((k) => k.name).sort()).toEqual(['bgnbd', 'bgnbd_penalized', 'mbgnbd', 'mbgnbd_penalized', 'pareto', 'pareto_penalized']);
  expect(b.chosen.expected_spend!.length).toBe(holdout);
  expect(b.btydAtHoldout.calibration_end).toBe(plan!.holdoutCutoff);
  expect(b.windows).toMatchObject({ btyd_calibration_end: plan!.holdoutCutoff, table_cutoffs: plan!.trainCutoffs, networks_validation_cutoff: plan!.trainCutoffs[0] });
  // With two cutoffs 60 days apart, none is a horizon before the validation cutoff: the networks cannot be backtested, and a note says so.
  const withNetworks = await runBacktest(run.db, plan!, { ...options, neural: true }, untimed, silentLogger);
  expect(withNetworks.networks).toBeUndefined();
  expect(withNetworks.notes[0]).toContain("the history is too short for the networks' backtest");
});

test("on a base larger than the training sample, the holdout is the sample's customers and each is scored from the whole of its own history", async () => {
  const big = await withTrainingData(await stagedRun('features', { demo: { customers: 2500 }, snapshots: { count: 2, spacingDays: 60 }, training: { sampleCustomers: 1000, btydFitCustomers: 1000 } }));
  const tables = new SampleTables(big.db);
  try {
    expect(big.state.sample!.partial).toBe(true);
    const { plan } = big.state;
    const holdout = await big.db.value<number>(`SELECT count(*) FROM training_snapshots WHERE split = 'holdout'`);
    expect(await big.db.value<number>(`SELECT count(*) FROM training_snapshots WHERE split = 'holdout' AND customer_id NOT IN (SELECT customer_id FROM training_sample)`)).toBe(0);
    // Far fewer than everyone who had bought by the holdout cutoff.
    const everyone = await big.db.value<number>(`SELECT count(DISTINCT customer_id) FROM orders WHERE order_date <= $1 AND amount >= 0`, [plan!.holdoutCutoff]);
    expect(holdout).toBeLessThan(0.6 * everyone);
    const b = await runBacktest(big.db, plan!, { ...options, holdoutSource: await tables.orders('sample') }, untimed, silentLogger);
    expect(b.churned.length).toBe(holdout);
    expect(await big.db.value<number>('SELECT count(*) FROM holdout_bgnbd_scores')).toBe(holdout);
    // The same figures as scoring every customer from the whole orders table, for the sample's customers.
    await scoreBtyd(big.db, b.btydAtHoldout, plan!.holdoutCutoff, 'holdout_everyone', { model: 'bgnbd', horizonDays: 90, annualDiscountRate: 0.1, intervalDraws: 0, seed: 42 });
    expect(await big.db.value<number>('SELECT count(*) FROM holdout_everyone')).toBeGreaterThan(holdout);
    const differ = await big.db.value<number>(`SELECT count(*) FROM holdout_bgnbd_scores s JOIN holdout_everyone e USING (customer_id)
      WHERE abs(s.expected_purchases - e.expected_purchases) > 1e-9 OR abs(s.p_no_purchase - e.p_no_purchase) > 1e-9`);
    expect(differ).toBe(0);
    expect(await big.db.value<number>('SELECT count(*) FROM holdout_bgnbd_scores s SEMI JOIN holdout_everyone e USING (customer_id)')).toBe(holdout);
  } finally {
    await tables.drop();
    big.close();
  }
}, 120_000);
