import { afterAll, beforeAll, expect, test } from 'vitest';
import { featureBatches, featureColumnsSql, modelInputs, readFeatureColumns, withBtydFeatures } from '../../pipeline/train/featureColumns.js';
import { CATEGORICAL_FEATURES, NUMERIC_FEATURES, fitPreprocessor, transform, type FeatureColumns } from '../../pipeline/learn/preprocess.js';
import { buildBtydFeatures } from '../../pipeline/features/btydFeatures.js';
import { SampleTables } from '../../pipeline/features/trainingSample.js';
import { demoBase, type DemoBase } from '../helpers/demoBase.js';

let base: DemoBase;
beforeAll(async () => {
  base = await demoBase(300, 4);
  await buildBtydFeatures(base.db, new SampleTables(base.db), { sample: [], everyone: ['2026-09-30'] }, 90);
});
afterAll(() => base.close());

test("the model inputs: every numeric feature as DOUBLE, categories as text, BG/NBD's view joined at the same as-of", async () => {
  const { data, n } = await readFeatureColumns(base.db, withBtydFeatures('customer_features'));
  expect(n).toBe(await base.db.value<number>('SELECT count(*) FROM customer_features'));
  for (const f of NUMERIC_FEATURES) expect(data[f.name], f.name).toBeInstanceOf(Float64Array);
  for (const c of CATEGORICAL_FEATURES) expect(Array.isArray(data[c])).toBe(true);
  expect(Array.from(data.btyd_p_alive as Float64Array).every((p) => p > 0 && p <= 1)).toBe(true);
  const ids = data.customer_id as string[];
  expect([...ids].sort()).toEqual(ids);
  let seen = 0;
  for await (const batch of featureBatches(base.db, withBtydFeatures('customer_features'), 'orders_count > 1', 50)) seen += batch.n;
  expect(seen).toBe(await base.db.value<number>('SELECT count(*) FROM customer_features WHERE orders_count > 1'));
  expect(featureColumnsSql('t', 'true', true)).toContain('CAST(churned AS DOUBLE) AS churned');
});

test("a model's inputs alone: the preprocessor's features, the same values, and the network's scores the same bits", async () => {
  const { data, n } = await readFeatureColumns(base.db, withBtydFeatures('customer_features'));
  // Fitted on columns where one feature is missing everywhere (as line items are on an orders-only history): it is not an input.
  const training = { ...data, avg_basket_items: new Float64Array(n).fill(NaN) };
  const state = fitPreprocessor(training);
  const inputs = modelInputs(state);
  expect(inputs).not.toContain('avg_basket_items');
  expect(inputs).toContain('btyd_p_alive');
  expect(inputs).toContain('country');
  const read: Record<string, unknown[]> = {};
  for await (const batch of featureBatches(base.db, withBtydFeatures('customer_features'), 'true', 100, { ordered: true, only: inputs })) {
    expect(Object.keys(batch.columns).sort()).toEqual(['customer_id', ...inputs].sort());
    for (const [k, v] of Object.entries(batch.columns)) (read[k] ??= []).push(...v);
  }
  for (const k of ['customer_id', ...inputs]) expect(read[k], k).toEqual(Array.from(data[k]! as ArrayLike<unknown>));
  // The model's input matrix from the pruned read is the full read's.
  const pruned = Object.fromEntries(Object.entries(read).map(([k, v]) => [k, typeof v[0] === 'number' ? Float64Array.from(v as number[]) : v])) as FeatureColumns;
  expect(transform(state, pruned, n)).toEqual(transform(state, data, n));
});
