import { afterAll, beforeAll, expect, test } from 'vitest';
import { featureBatches, featureColumnsSql, readFeatureColumns, withBtydFeatures } from '../../pipeline/train/featureColumns.js';
import { CATEGORICAL_FEATURES, NUMERIC_FEATURES } from '../../pipeline/learn/preprocess.js';
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
