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
  data.purchase_days = new Float64Array(n).fill(10);
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
  const context = { typicalGapDays: 45, recentShare: 0.5 };
  const reasons = occlusionReasons(models, scored, 3, [0, 1, 2], context);
  expect(reasons[0]).toBe('no order for 300 days, 10.0x the usual gap of 30 days');
  // A customer who bought 10 days ago, within half their usual gap of 30: no silence reason at all.
  expect(reasons[1]).not.toContain('no order for');
  expect(reasons[2]!.split('; ')).toEqual(['1 unresolved complaint', 'no order for 200 days, 6.7x the usual gap of 30 days']);
  expect(REASON_GROUPS.map((g) => g.name)).toContain('complaints');
});

test('a usual gap needs two gaps: with fewer, the silence is measured against the typical customer\'s rhythm', () => {
  const train = features([5, 20, 40, 60, 90, 120], [0, 0, 0, 0, 0, 0]);
  const models = network(train);
  // Two purchase days one day apart (several invoices around one visit) make a gap of 1: not a rhythm.
  const scored = features([372, 372], [0, 0]);
  (scored.purchase_days as Float64Array).set([2, 3]);
  (scored.gap_mean_days as Float64Array).set([1, 1]);
  const [fewGaps, twoGaps] = occlusionReasons(models, scored, 2, [0, 1], { typicalGapDays: 45, recentShare: 0.5 });
  expect(fewGaps).toBe('no order for 372 days, 8.3x the typical gap of 45 days between purchases');
  expect(twoGaps).toBe('no order for 372 days, 372.0x the usual gap of 1 days');
});
