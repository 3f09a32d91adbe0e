import { expect, test } from 'vitest';
import { DRIFT_FEATURES, populationStability, profileFeatures } from '../../pipeline/registry/drift.js';
import { withDb } from '../helpers/withDb.js';

async function base(db: Parameters<typeof profileFeatures>[0], table: string, shift: number) {
  await db.run(`CREATE OR REPLACE TABLE ${table} AS SELECT i AS customer_id, (i % 100) + $1 AS recency_days, 1 + i % 7 AS purchase_days,
    CAST(10 * (i % 50) AS DECIMAL(18, 2)) AS net_spend, 20.0 + i % 9 AS avg_order_value, 100 + i % 300 AS tenure_days FROM range(2000) t(i)`, [shift]);
}

test('the same base has no drift; a base whose recency moved has a large PSI on recency alone', async () => {
  await withDb(async (db) => {
    await base(db, 'customer_features', 0);
    const profile = await profileFeatures(db);
    expect(Object.keys(profile)).toEqual([...DRIFT_FEATURES]);
    expect(profile.recency_days!.shares.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    const same = await populationStability(db, profile);
    for (const v of Object.values(same)) expect(v).toBeCloseTo(0, 9);
    await base(db, 'later', 60);
    const moved = await populationStability(db, profile, 'later');
    expect(moved.recency_days).toBeGreaterThan(0.25);
    expect(moved.net_spend).toBeCloseTo(0, 9);
  });
});
