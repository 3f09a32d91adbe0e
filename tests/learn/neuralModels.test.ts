import { beforeAll, expect, test } from 'vitest';
import { fitNetworks, scoreNeural, type LabelledRows } from '../../pipeline/learn/neuralModels.js';
import { NUMERIC_FEATURES } from '../../pipeline/learn/preprocess.js';
import { initBackend, tf } from '../../pipeline/learn/tfBackend.js';
import { TrainPool, TrainingStopped } from '../../pipeline/learn/trainPool.js';
import { silentLogger } from '../../pipeline/log.js';
import { auc } from '../../pipeline/shared/metrics.js';
import { Random } from '../../pipeline/shared/random.js';

beforeAll(() => initBackend(silentLogger));

/**
 * `n` customers as arrays, no database: the longer since the last purchase,
 * the likelier churned (a logistic in recency), spend only from those who
 * stay; every other numeric feature missing (left out of the model).
 */
function rows(n: number, seed: number): LabelledRows {
  const rng = new Random(seed);
  const data: LabelledRows['data'] = Object.fromEntries(NUMERIC_FEATURES.map((f) => [f.name, new Float64Array(n).fill(NaN)]));
  const recency = new Float64Array(n);
  const orders = new Float64Array(n);
  const churned = new Float64Array(n);
  const spend = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    recency[i] = Math.floor(rng.uniform() * 400);
    orders[i] = 1 + Math.floor(rng.uniform() * 10);
    churned[i] = rng.uniform() < 1 / (1 + Math.exp(-(recency[i]! - 150) / 40)) ? 1 : 0;
    spend[i] = churned[i] ? 0 : 20 * orders[i]! * (0.5 + rng.uniform());
  }
  Object.assign(data, { recency_days: recency, orders_count: orders, churned, future_spend: spend, country: Array.from({ length: n }, (_, i) => (i % 3 ? 'DE' : 'FR')) });
  return { data, n };
}

test('the networks learn churn from arrays far better than chance, and score any rows alike', async () => {
  const fit = rows(1500, 1);
  const val = rows(400, 2);
  const models = await fitNetworks(fit, val, 5, silentLogger, { churn: [[8]], value: [[8]] }, 1000);
  expect(models).not.toHaveProperty('window');
  // Only the features the rows have enter the model.
  expect(models.preprocessor.numeric.map((f) => f.name)).toEqual(['recency_days', 'orders_count']);
  expect(models.churn.hidden).toEqual([8]);
  const test = rows(600, 3);
  const scored = scoreNeural(models, test.data, test.n);
  expect(scored.churn.every((p) => p > 0 && p < 1)).toBe(true);
  expect(scored.value.every((v) => v >= 0)).toBe(true);
  // The recency logistic alone reaches about 0.85 AUC on these rows; the network must come near it.
  expect(auc(scored.churn, test.data.churned as Float64Array)).toBeGreaterThan(0.75);
  // A row scored alone gets the figures it gets among others.
  const one = { data: Object.fromEntries(Object.entries(test.data).map(([k, v]) => [k, v instanceof Float64Array ? v.slice(7, 8) : v.slice(7, 8)])), n: 1 };
  expect(scoreNeural(models, one.data, 1).churn[0]).toBe(scored.churn[7]);
  models.churn.model.dispose();
  models.value.model.dispose();
});

test('too few rows to fit or to validate on is an error that says how many', async () => {
  await expect(fitNetworks(rows(999, 1), rows(400, 2), 5, silentLogger, undefined, 1000)).rejects.toThrow(/too few snapshot rows to train on \(999 to fit, 400 to validate; training.minNetworkRows is 1,000\)/);
  await expect(fitNetworks(rows(1200, 1), rows(19, 2), 5, silentLogger, undefined, 1000)).rejects.toThrow(/19 to validate/);
});

test('stopped once the first network is trained, the training fails with TrainingStopped and leaves no network behind', async () => {
  const fit = rows(3000, 3);
  const val = rows(400, 4);
  const stopping = new AbortController();
  const before = tf.memory().numTensors;
  // The churn network trains one epoch, the value network four hundred: the stop comes while the value network trains.
  const training = fitNetworks(fit, val, 5, silentLogger, { churn: [[8]], value: [[32, 16]], epochs: { churn: 1, value: 400 } }, 1000,
    { threads: 2, oneTrained: () => stopping.abort(), signal: stopping.signal });
  expect(TrainPool.onThreads(2)).toBe(true);
  await expect(training).rejects.toBeInstanceOf(TrainingStopped);
  // the churn network, trained, was disposed with the stop
  expect(tf.memory().numTensors).toBe(before);
});
