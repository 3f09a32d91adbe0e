import { beforeAll, expect, test } from 'vitest';
import type { NeuralModels } from '../../pipeline/learn/neuralModels.js';
import { buildMlp } from '../../pipeline/learn/network.js';
import { NUMERIC_FEATURES, fitPreprocessor } from '../../pipeline/learn/preprocess.js';
import { initBackend, tf } from '../../pipeline/learn/tfBackend.js';
import { REASON_GROUPS, occlusionReasons } from '../../pipeline/score/reasons.js';

beforeAll(async () => {
  await initBackend();
});

/** Features of `n` customers: everything typical but the recency and complaints given. */
function features(recency: number[], unresolved: number[]) {
  const n = recency.length;
  const data: Record<string, Float64Array | (string | null)[]> = {};
  for (const f of NUMERIC_FEATURES) data[f.name] = new Float64Array(n).fill(10);
  data.recency_days = Float64Array.from(recency);
  data.unresolved_complaints = Float64Array.from(unresolved);
  data.gap_mean_days = new Float64Array(n).fill(30);
  data.preferred_channel = new Array(n).fill('web');
  data.country = new Array(n).fill('ES');
  return data;
}

/** A network whose churn logit is standardised recency + standardised unresolved complaints, nothing else. */
function network(train: ReturnType<typeof features>): NeuralModels {
  const preprocessor = fitPreprocessor(train);
  const model = buildMlp(preprocessor.columns.length, { hidden: [], outputs: 1, activation: 'sigmoid', seed: 1 });
  const kernel = new Float32Array(preprocessor.columns.length);
  kernel[preprocessor.columns.indexOf('recency_days')] = 1;
  kernel[preprocessor.columns.indexOf('unresolved_complaints')] = 1;
  model.setWeights([tf.tensor2d(kernel, [kernel.length, 1]), tf.zeros([1])]);
  return { preprocessor, churn: { model, platt: { a: 1, b: 0 } } } as unknown as NeuralModels;
}

test('the groups that raised the score most are told in words with the customer\'s own values', () => {
  const train = features([5, 20, 40, 60, 90, 120], [0, 0, 0, 1, 0, 0]);
  const models = network(train);
  const scored = features([300, 10, 200], [0, 0, 1]);
  const reasons = occlusionReasons(models, scored, 3, [0, 1, 2]);
  expect(reasons[0]).toBe('no order for 300 days, 10.0x the usual gap of 30 days');
  // A recent customer with nothing wrong: the one group that raised the score most, with no silence to speak of.
  expect(reasons[1]).not.toContain('no order for 10 days, ');
  expect(reasons[2]!.split('; ')).toEqual(['1 unresolved complaint', 'no order for 200 days, 6.7x the usual gap of 30 days']);
  expect(REASON_GROUPS.map((g) => g.name)).toContain('complaints');
});
