import type { Columns, Database } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';
import { kMeans, nearestCentroid, silhouette, type KMeansResult } from '../learn/kmeans.js';
import { Random } from '../shared/random.js';
import { describePersona, type PersonaStats, type TraitScore } from './personaWords.js';

/**
 * Buyer personas: customers clustered on behaviour (persona_traits.sql:
 * rhythm, basket, discount use, weekend buying, tenure, complaints, channel,
 * favourite category, country), seeded and reproducible. (The number of
 * categories and the refund rate are in persona_traits but not clustered
 * on: the first repeats the rhythm, the second is noise in most shops; on
 * generated data with known buyer types both made the personas worse.) The traits are
 * standardised on a seeded sample (logs of the skewed ones, z-scores clipped
 * at 3; each categorical trait one-hot, its block scaled to the weight of
 * one numeric trait); k-means runs for every k from `min` to `max` and the k
 * with the highest mean silhouette on a sub-sample is kept (ties: fewer
 * personas). Every customer takes the nearest centre, personas are
 * numbered by size (1 = the largest), and each is described by what sets
 * it apart.
 *
 * Writes persona_traits, customer_personas (customer_id, persona_id),
 * persona_labels (persona_id, persona, description and its figures) and
 * persona_choice (each k tried, its silhouette, the one chosen).
 */
export interface PersonaParams {
  min: number;
  max: number;
  /** Customers the clusters are fitted on (a seeded sample). */
  fitCustomers: number;
  /** Of which the silhouette that chooses k is measured on this many. */
  silhouetteCustomers: number;
  restarts: number;
  maxIterations: number;
}

export interface PersonaFit {
  /** The number of personas; null where the base is too small to cluster (fewer than 10 customers a persona). */
  k: number | null;
  silhouettes: { k: number; silhouette: number }[];
  fittedOn: number;
}

interface NumericTrait {
  column: keyof TraitColumns;
  transform: (v: number) => number;
}

type TraitColumns = Record<'orders_per_year' | 'avg_order_value' | 'discount_share' | 'weekend_share' | 'tenure_days' | 'complaints_365d', Float64Array>;

const NUMERIC: NumericTrait[] = [
  { column: 'orders_per_year', transform: Math.log1p },
  { column: 'avg_order_value', transform: (v) => Math.log(Math.max(v, 1)) },
  { column: 'discount_share', transform: (v) => v },
  { column: 'weekend_share', transform: (v) => v },
  { column: 'tenure_days', transform: Math.log1p },
  { column: 'complaints_365d', transform: Math.log1p },
];
/** Categorical traits: the levels held by at least `minShare` of the sample (at most `maxLevels`) are one-hot columns. */
const CATEGORICAL = [
  { column: 'channel', minShare: 0.02, maxLevels: 6 },
  { column: 'category', minShare: 0.03, maxLevels: 8 },
  { column: 'country', minShare: 0.03, maxLevels: 8 },
] as const;
const CLIP = 3;

/** How traits become a row of numbers: fitted on the sample, applied to everyone. */
export interface Encoder {
  numeric: { column: NumericTrait['column']; transform: NumericTrait['transform']; mean: number; sd: number }[];
  categorical: { column: (typeof CATEGORICAL)[number]['column']; levels: string[]; means: number[]; scale: number }[];
  d: number;
}

export function fitEncoder(columns: Columns, n: number): Encoder {
  const numeric = NUMERIC.map((t) => {
    const values = Array.from(columns[t.column] as Float64Array, (v) => t.transform(v)).filter(Number.isFinite);
    const mean = values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(values.length - 1, 1));
    return { ...t, mean, sd };
  }).filter((t) => t.sd > 1e-9);
  const categorical = CATEGORICAL.map((c) => {
    const counts = new Map<string, number>();
    for (const v of columns[c.column] as (string | null)[]) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
    const levels = [...counts].filter(([, m]) => m >= c.minShare * n).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, c.maxLevels).map(([v]) => v);
    const means = levels.map((v) => counts.get(v)! / n);
    const variance = means.reduce((a, p) => a + p * (1 - p), 0);
    return { column: c.column, levels, means, scale: Math.sqrt(variance) };
  }).filter((c) => c.levels.length >= 2 && c.scale > 1e-9);
  return { numeric, categorical, d: numeric.length + categorical.reduce((a, c) => a + c.levels.length, 0) };
}

/** The n rows of `columns` in the encoder's space (row-major); a missing number sits at the mean. */
export function encode(e: Encoder, columns: Columns, n: number): Float64Array {
  const x = new Float64Array(n * e.d);
  for (let i = 0; i < n; i++) {
    let t = 0;
    for (const f of e.numeric) {
      const z = (f.transform((columns[f.column] as Float64Array)[i]!) - f.mean) / f.sd;
      x[i * e.d + t++] = Number.isFinite(z) ? Math.max(-CLIP, Math.min(CLIP, z)) : 0;
    }
    for (const c of e.categorical) {
      const v = (columns[c.column] as (string | null)[])[i];
      c.levels.forEach((level, j) => (x[i * e.d + t++] = ((v === level ? 1 : 0) - c.means[j]!) / c.scale));
    }
  }
  return x;
}

/** Clusters for each k, the silhouette of each, and the k kept. */
export function choosePersonas(x: Float64Array, n: number, d: number, seed: number, p: PersonaParams): { best: KMeansResult; silhouettes: PersonaFit['silhouettes'] } {
  const m = Math.min(n, p.silhouetteCustomers);
  const silhouettes: PersonaFit['silhouettes'] = [];
  let best: { fit: KMeansResult; score: number } | undefined;
  for (let k = p.min; k <= Math.min(p.max, Math.floor(n / 10)); k++) {
    const fit = kMeans(x, n, d, k, new Random(seed * 131 + k), { restarts: p.restarts, maxIterations: p.maxIterations });
    const score = silhouette(x.subarray(0, m * d), m, d, fit.assignment.subarray(0, m), k);
    silhouettes.push({ k, silhouette: score });
    if (!best || score > best.score + 1e-12) best = { fit, score };
  }
  // Persona 1 is the largest in the sample (ties: the centre first in its coordinates).
  const { fit } = best!;
  const sizes = new Float64Array(fit.k);
  for (const j of fit.assignment) sizes[j]!++;
  const order = Array.from({ length: fit.k }, (_, j) => j).sort((a, b) => sizes[b]! - sizes[a]! || compareRows(fit.centroids, a, b, d));
  const centroids = new Float64Array(fit.k * d);
  order.forEach((j, to) => centroids.set(fit.centroids.subarray(j * d, j * d + d), to * d));
  const rank = new Int32Array(fit.k);
  order.forEach((j, to) => (rank[j] = to));
  return { best: { ...fit, centroids, assignment: fit.assignment.map((j) => rank[j]!) }, silhouettes };
}

function compareRows(c: Float64Array, a: number, b: number, d: number): number {
  for (let t = 0; t < d; t++) if (c[a * d + t] !== c[b * d + t]) return c[a * d + t]! - c[b * d + t]!;
  return a - b;
}

const TRAITS_SELECT = 'SELECT * FROM persona_traits';

/** The persona of every customer of customer_features as of `asOf`, seeded by `seed`. */
export async function assignPersonas(db: Database, asOf: string, seed: number, p: PersonaParams, currency: string, batchRows = 65_536): Promise<PersonaFit> {
  await db.run(`CREATE OR REPLACE TABLE persona_traits AS ${readSql('score/persona_traits.sql')}`, { as_of: asOf });
  await db.run(`CREATE OR REPLACE TABLE customer_personas (customer_id VARCHAR, persona_id INTEGER);
    CREATE OR REPLACE TABLE persona_choice (k INTEGER, silhouette DOUBLE, chosen BOOLEAN, fitted_on BIGINT)`);
  const total = await db.value<number>('SELECT count(*) FROM persona_traits');
  const fitOn = Math.min(total, p.fitCustomers);
  if (fitOn < 10 * p.min) {
    await writeLabels(db, [], currency);
    return { k: null, silhouettes: [], fittedOn: fitOn };
  }
  // A seeded sample: the customers first in a hash of their id and the seed.
  const sample = await db.columns(`${TRAITS_SELECT} ORDER BY hash(customer_id || '|persona|' || $seed), customer_id LIMIT $n`, { seed: String(seed), n: fitOn });
  const encoder = fitEncoder(sample, fitOn);
  const { best, silhouettes } = choosePersonas(encode(encoder, sample, fitOn), fitOn, encoder.d, seed, p);
  for (const s of silhouettes) {
    await db.run('INSERT INTO persona_choice VALUES ($1, $2, $3, $4)', [s.k, s.silhouette, s.k === best.k, fitOn]);
  }
  for await (const batch of db.batches(`${TRAITS_SELECT} ORDER BY customer_id`, undefined, batchRows)) {
    const x = encode(encoder, batch.columns, batch.n);
    const ids = new Float64Array(batch.n);
    for (let i = 0; i < batch.n; i++) ids[i] = nearestCentroid(x, i, best.centroids, best.k, encoder.d).index + 1;
    await db.appendColumns('customer_personas', [batch.columns.customer_id as string[], ids]);
  }
  // Persona 1 is the largest of everyone (ties: the earlier in the sample's order).
  const sizes = await db.all<{ persona_id: number; n: number }>('SELECT persona_id, count(*) AS n FROM customer_personas GROUP BY persona_id');
  const size = (j: number) => sizes.find((s) => s.persona_id === j + 1)?.n ?? 0;
  const order = Array.from({ length: best.k }, (_, j) => j).sort((a, b) => size(b) - size(a) || a - b);
  await db.run(`UPDATE customer_personas SET persona_id = CASE persona_id ${order.map((j, to) => `WHEN ${j + 1} THEN ${to + 1}`).join(' ')} END`);
  const scores: TraitScore[][] = order.map((j) => encoder.numeric.map((f, t) => ({ trait: f.column, z: best.centroids[j * encoder.d + t]! })));
  await writeLabels(db, scores, currency);
  return { k: best.k, silhouettes, fittedOn: fitOn };
}

/** persona_labels: each persona's name and description from its centre's traits and its customers' figures. */
async function writeLabels(db: Database, scores: TraitScore[][], currency: string): Promise<void> {
  const stats = await db.all<PersonaStats>(readSql('score/persona_stats.sql'));
  const overall = stats.find((s) => s.persona_id === 0);
  await db.run(`CREATE OR REPLACE TABLE persona_labels (persona_id INTEGER, persona VARCHAR, description VARCHAR,
    orders_per_year DOUBLE, avg_order_value DOUBLE, discount_share DOUBLE, weekend_share DOUBLE, tenure_days DOUBLE,
    top_channel VARCHAR, top_channel_share DOUBLE, top_category VARCHAR, top_category_share DOUBLE, top_country VARCHAR, top_country_share DOUBLE)`);
  const taken = new Set<string>();
  for (const s of stats.filter((x) => x.persona_id > 0)) {
    const words = describePersona(scores[s.persona_id - 1]!, s, overall!, currency);
    let name = words.name;
    for (let extra = 2; taken.has(name); extra++) name = `${words.name} (${extra})`;
    taken.add(name);
    await db.run('INSERT INTO persona_labels VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)', [
      s.persona_id, name, words.description, s.orders_per_year, s.avg_order_value, s.discount_share, s.weekend_share, s.tenure_days,
      s.top_channel, s.top_channel_share, s.top_category, s.top_category_share, s.top_country, s.top_country_share,
    ]);
  }
}
