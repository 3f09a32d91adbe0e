import type { Database } from '../db/Database.js';
import type { FeatureProfile } from '../learn/trainedModels.js';

/**
 * Drift of the customer base between the data a model learnt from and
 * today's: the population stability index of the main features, over the
 * training data's deciles. PSI = sum over bins of (a - e) ln(a / e); by the
 * usual reading, under 0.1 stable, 0.1 to 0.25 moderate, above 0.25 large.
 */
export const DRIFT_FEATURES = ['recency_days', 'purchase_days', 'net_spend', 'avg_order_value', 'tenure_days'] as const;


const bucketSql = (feature: string, edges: number[]) =>
  `CASE ${edges.map((e, i) => `WHEN CAST(${feature} AS DOUBLE) <= ${Number(e)} THEN ${i}`).join(' ')} ELSE ${edges.length} END`;

async function shares(db: Database, table: string, feature: string, edges: number[]): Promise<number[]> {
  const rows = await db.all<{ b: number; n: number }>(`SELECT ${bucketSql(feature, edges)} AS b, count(*) AS n FROM ${table} GROUP BY b`);
  const total = rows.reduce((s, r) => s + r.n, 0);
  return Array.from({ length: edges.length + 1 }, (_, i) => (rows.find((r) => r.b === i)?.n ?? 0) / Math.max(1, total));
}

/** The deciles of each drift feature in `table` and the share of customers between them. */
export async function profileFeatures(db: Database, table = 'customer_features'): Promise<FeatureProfile> {
  const profile: FeatureProfile = {};
  for (const f of DRIFT_FEATURES) {
    const q = await db.one<{ q: number[] }>(`SELECT quantile_cont(CAST(${f} AS DOUBLE), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]) AS q FROM ${table}`);
    const edges = [...new Set((q?.q ?? []).map(Number))];
    profile[f] = { edges, shares: await shares(db, table, f, edges) };
  }
  return profile;
}

/** PSI of each feature of `table` against a saved profile. */
export async function populationStability(db: Database, saved: FeatureProfile, table = 'customer_features'): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [f, { edges, shares: expected }] of Object.entries(saved)) {
    const actual = await shares(db, table, f, edges);
    out[f] = expected.reduce((s, e, i) => {
      const a = Math.max(actual[i]!, 1e-4);
      const ex = Math.max(e, 1e-4);
      return s + (a - ex) * Math.log(a / ex);
    }, 0);
  }
  return out;
}
