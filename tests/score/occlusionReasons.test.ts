import { beforeAll, expect, test } from 'vitest';
import type { NeuralModels } from '../../pipeline/learn/neuralModels.js';
import { applyPlatt } from '../../pipeline/learn/calibration.js';
import { buildMlp, predict, trainNetwork } from '../../pipeline/learn/network.js';
import { NUMERIC_FEATURES, fitPreprocessor, transform, type FeatureColumns } from '../../pipeline/learn/preprocess.js';
import { initBackend, tf } from '../../pipeline/learn/tfBackend.js';
import { occlusionReasons } from '../../pipeline/score/occlusionReasons.js';
import { REASON_GROUPS, type ReasonContext } from '../../pipeline/score/reasons.js';
import { shop } from '../helpers/shopFeatures.js';

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

/** What occlusionReasons computed for everyone before its bounds: the network run on each row and each copy, ranked as reasons.ts does. */
function runOnEveryone(models: NeuralModels, data: FeatureColumns, n: number, which: number[], context: ReasonContext): string[] {
  const columns = models.preprocessor.columns;
  const baseline = new Float32Array(columns.length);
  for (const c of models.preprocessor.categorical) baseline[columns.indexOf(c.values.length ? `${c.name}=${c.values[0]}` : `${c.name}=other`)] = 1;
  const groups = REASON_GROUPS.map((group) => ({ group, cols: columns.flatMap((col, i) => (group.features.some((f) => col === f || col.startsWith(`${f}__`) || col.startsWith(`${f}=`)) ? [i] : [])) }))
    .filter((g) => g.cols.length);
  const x = transform(models.preprocessor, data, n);
  const width = columns.length;
  return which.map((row) => {
    const m = new Float32Array((groups.length + 1) * width);
    for (let g = 0; g <= groups.length; g++) {
      m.set(x.subarray(row * width, (row + 1) * width), g * width);
      if (g > 0) for (const c of groups[g - 1]!.cols) m[g * width + c] = baseline[c]!;
    }
    const p = applyPlatt(models.churn.platt, predict(models.churn.model, { data: m, rows: groups.length + 1, cols: width }));
    const effects = groups.map((g, k) => ({ g, effect: p[0]! - p[k + 1]! })).sort((a, b) => b.effect - a.effect);
    const clear = effects.filter((e) => e.effect > 0.01).slice(0, 3);
    const told = clear.length ? clear : effects.slice(0, 1);
    const value = (name: string) => (data[name] instanceof Float64Array ? (data[name] as Float64Array)[row]! : NaN);
    const text = (name: string) => (Array.isArray(data[name]) ? (data[name] as (string | null)[])[row] ?? null : null);
    return told.map((e) => e.g.group.phrase(value, text, context)).filter(Boolean).join('; ');
  });
}

for (const hidden of [[16], [64, 32]]) {
  test(`a trained [${hidden.join(', ')}] network: the texts are those of running it on every customer and copy${hidden.length > 1 ? ' (too deep to bound: it runs)' : ' (mostly decided by its bounds)'}`, async () => {
    const train = shop(3000, 11);
    const preprocessor = fitPreprocessor(train.data);
    const x = { data: transform(preprocessor, train.data, train.n), rows: train.n, cols: preprocessor.columns.length };
    const y = { data: train.churned, rows: train.n, cols: 1 };
    const { model } = await trainNetwork(x, y, x, y, { hidden, outputs: 1, activation: 'sigmoid', loss: 'binaryCrossentropy', seed: 3, maxEpochs: 6, batchSize: 128 });
    const models = { preprocessor, churn: { model, platt: { a: 1.2, b: -0.3 } } } as unknown as NeuralModels;
    const scored = shop(1500, 12);
    // every other customer, as the acted ones are a subset of a batch
    const which = Array.from({ length: 750 }, (_, i) => 2 * i + 1);
    const context = { typicalGapDays: 40, recentShare: 0.5 };
    const reasons = occlusionReasons(models, scored.data, scored.n, which, context, 100);
    expect(reasons).toEqual(runOnEveryone(models, scored.data, scored.n, which, context));
    // the texts say something, and differ between customers
    expect(new Set(reasons).size).toBeGreaterThan(100);
    expect(reasons.filter((r) => r.includes('; ')).length).toBeGreaterThan(10);
  });
}

test('effects that tie exactly (groups the network gives no weight): the bounds cannot order them, the network decides, and the first group in order is told, as before', () => {
  const train = features([5, 20, 40, 60, 90, 120], [0, 0, 0, 1, 0, 0]);
  const models = network(train);
  // Recent and without complaints: both weighted groups lower the score; every other group's effect is exactly 0.
  const scored = features([5], [0]);
  const context = { typicalGapDays: 45, recentShare: 0.5 };
  const [reason] = occlusionReasons(models, scored, 1, [0], context);
  expect(reason).toBe(runOnEveryone(models, scored, 1, [0], context)[0]);
  // frequency, the first group after recency
  expect(reason).toBe('10 orders in the last 90 days against 10 in the 90 before');
});
