import { beforeAll, expect, test } from 'vitest';
import type { NeuralModels } from '../../pipeline/learn/neuralModels.js';
import { applyPlatt } from '../../pipeline/learn/calibration.js';
import { buildMlp, predict, trainNetwork } from '../../pipeline/learn/network.js';
import { NUMERIC_FEATURES, fitPreprocessor, transform, type FeatureColumns } from '../../pipeline/learn/preprocess.js';
import { initBackend, tf } from '../../pipeline/learn/tfBackend.js';
import { REASON_GROUPS, chooseWithin, occlusionReasons, type ReasonContext } from '../../pipeline/score/reasons.js';
import { Random } from '../../pipeline/shared/random.js';

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

/**
 * A base shaped like a shop's: recency and rhythm from a few days to years,
 * one-off buyers, heavy spenders, rare complaints and refunds, missing ages
 * and line-item figures, a handful of channels and countries (and some
 * unknown); churn labels from recency, rhythm and complaints with noise.
 */
function shop(n: number, seed: number) {
  const rng = new Random(seed);
  const data: Record<string, Float64Array | (string | null)[]> = {};
  for (const f of NUMERIC_FEATURES) data[f.name] = new Float64Array(n);
  const set = (name: string, i: number, v: number) => ((data[name] as Float64Array)[i] = v);
  const channels = ['web', 'store', 'app', 'phone'];
  const countries = ['US', 'DE', 'ES', 'FR', 'GB', 'NL', 'IT', 'PL', 'SE', 'PT'];
  data.preferred_channel = [];
  data.country = [];
  const churned = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const days = 1 + rng.int(rng.bernoulli(0.3) ? 3 : 40);
    const recency = Math.round(-Math.log(1 - rng.uniform()) * 120);
    const gap = days >= 3 ? 10 + rng.uniform() * 120 : NaN;
    const aov = Math.exp(3 + rng.normal() * 0.8);
    const tenure = recency + Math.round((days - 1) * (Number.isNaN(gap) ? 20 : gap));
    const complaints = rng.bernoulli(0.08) ? 1 + rng.int(3) : 0;
    set('recency_days', i, recency);
    set('tenure_days', i, tenure);
    set('purchase_days', i, days);
    set('orders_count', i, days + rng.int(2));
    set('gap_mean_days', i, gap);
    set('gap_std_days', i, Number.isNaN(gap) ? NaN : gap * rng.uniform());
    for (const [name, span] of [['orders_30d', 30], ['orders_90d', 90], ['orders_180d', 180], ['orders_365d', 365], ['orders_prev_90d', 90]] as const) {
      set(name, i, recency <= span ? Math.min(days, 1 + rng.int(Math.max(1, Math.round(span / (gap || 60))))) : 0);
    }
    set('net_spend', i, days * aov * (rng.bernoulli(0.05) ? -0.1 : 1));
    set('gross_spend', i, days * aov * 1.1);
    set('avg_order_value', i, aov);
    set('max_order_value', i, aov * (1 + rng.uniform() * 3));
    for (const name of ['spend_30d', 'spend_90d', 'spend_180d', 'spend_365d', 'spend_prev_90d']) set(name, i, rng.bernoulli(0.5) ? aov * rng.int(4) : 0);
    set('days_overdue', i, Number.isNaN(gap) ? NaN : recency - gap);
    set('overdue_ratio', i, Number.isNaN(gap) ? NaN : recency / gap);
    set('trend_90d', i, rng.normal());
    set('mom_spend_change', i, rng.normal());
    set('yoy_spend_change', i, rng.normal());
    set('refund_count', i, rng.bernoulli(0.1) ? 1 : 0);
    set('refunded_value', i, rng.bernoulli(0.1) ? aov : 0);
    set('refund_rate', i, rng.uniform() * 0.2);
    set('discount_share', i, rng.bernoulli(0.1) ? NaN : rng.uniform());
    set('category_count', i, 1 + rng.int(6));
    set('tickets_365d', i, complaints + rng.int(2));
    set('complaints_90d', i, complaints > 0 && rng.bernoulli(0.5) ? 1 : 0);
    set('complaints_365d', i, complaints);
    set('unresolved_complaints', i, complaints > 0 && rng.bernoulli(0.4) ? 1 : 0);
    set('days_since_last_complaint', i, complaints > 0 ? rng.int(365) : NaN);
    set('signup_tenure_days', i, tenure + rng.int(100));
    set('age_years', i, rng.bernoulli(0.3) ? NaN : 18 + rng.int(60));
    set('returned_items_share', i, rng.uniform() * 0.1);
    set('avg_basket_items', i, rng.bernoulli(0.2) ? NaN : 1 + rng.uniform() * 5);
    set('avg_basket_lines', i, 1 + rng.uniform() * 3);
    set('distinct_products', i, 1 + rng.int(50));
    set('btyd_p_alive', i, Math.exp(-recency / 200));
    set('btyd_expected_purchases', i, days / 10);
    set('btyd_p_no_purchase', i, 1 - Math.exp(-recency / 300));
    set('btyd_season_index', i, 0.8 + rng.uniform() * 0.4);
    data.preferred_channel.push(rng.bernoulli(0.05) ? null : channels[rng.int(channels.length)]!);
    data.country.push(rng.bernoulli(0.05) ? null : countries[rng.int(countries.length)]!);
    churned[i] = recency / (Number.isNaN(gap) ? 90 : gap) + complaints - 0.3 * Math.log(days) + 0.5 * rng.normal() > 1.2 ? 1 : 0;
  }
  return { data, n, churned };
}

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

test('chooseWithin: bounds apart decide the groups and their order; bounds that meet leave it to the network', () => {
  // own 0.9; copies: group 0 at 0.5 (effect 0.4), group 1 at 0.7 (0.2), group 2 at 0.895 (0.005, not clear)
  const lo = Float64Array.from([0.9 - 1e-6, 0.5 - 1e-6, 0.7 - 1e-6, 0.895 - 1e-6]);
  const hi = Float64Array.from([0.9 + 1e-6, 0.5 + 1e-6, 0.7 + 1e-6, 0.895 + 1e-6]);
  expect(chooseWithin(lo, hi)).toEqual([0, 1]);
  // group 2's effect straddles the 0.01 threshold
  lo[3] = 0.889;
  hi[3] = 0.892;
  expect(chooseWithin(lo, hi)).toBeNull();
  // groups 0 and 1 too close to order
  lo[3] = 0.895 - 1e-6;
  hi[3] = 0.895 + 1e-6;
  lo[2] = 0.5 - 1e-7;
  hi[2] = 0.5 + 2e-6;
  expect(chooseWithin(lo, hi)).toBeNull();
  // no clear group: the largest effect alone, when it is apart from the others
  const none = chooseWithin(Float64Array.from([0.3, 0.298, 0.295, 0.299]), Float64Array.from([0.3, 0.298, 0.295, 0.299]));
  expect(none).toEqual([1]);
});
