import { Random } from '../shared/random.js';
import { kMeans, silhouette, type KMeansResult } from './kmeans.js';

/*
 * Buyer personas' clusters (score/personas.ts reads the traits and writes
 * the tables): customers' traits (persona_traits.sql: rhythm, basket,
 * discount use, weekend buying, tenure, complaints, channel, favourite
 * category, country) encoded and clustered, seeded and reproducible. (The
 * number of categories and the refund rate are in persona_traits but not
 * clustered on: the first repeats the rhythm, the second is noise in most
 * shops; on generated data with known buyer types both made the personas
 * worse.) The traits are standardised on a seeded sample (logs of the
 * skewed ones, z-scores clipped at 3; each categorical trait one-hot, its
 * block scaled to the weight of one numeric trait); k-means runs for every
 * k from `min` to `max` and the k with the highest mean silhouette on a
 * sub-sample is kept (ties: fewer personas).
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

/**
 * Customers' traits as columns: numbers as Float64Array (missing as NaN), categories as text (missing as null) or
 * as their levels' positions in the encoder's levels (-1 for a missing value or a level it does not hold).
 */
export type TraitRows = Record<string, Float64Array | (string | null)[]>;

/** One k tried and the mean silhouette of its clusters. */
export interface Silhouette {
  k: number;
  silhouette: number;
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

/** Learns the encoding from `n` customers' traits (a seeded sample). */
export function fitEncoder(columns: TraitRows, n: number): Encoder {
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

/**
 * The n rows of `columns` in the encoder's space (row-major); a missing number sits at the mean. Column by
 * column, each trait's transform and figures taken once (a million customers at every scoring): the same
 * arithmetic as row by row, the same numbers. A categorical trait is read as text or as its levels' positions
 * (personas.ts reads them so): the same rows either way.
 */
export function encode(e: Encoder, columns: TraitRows, n: number): Float64Array {
  const d = e.d;
  const x = new Float64Array(n * d);
  let t = 0;
  for (const f of e.numeric) {
    const col = columns[f.column] as Float64Array;
    const { transform, mean, sd } = f;
    for (let i = 0; i < n; i++) {
      const z = (transform(col[i]!) - mean) / sd;
      x[i * d + t] = Number.isFinite(z) ? Math.max(-CLIP, Math.min(CLIP, z)) : 0;
    }
    t++;
  }
  for (const c of e.categorical) {
    const col = columns[c.column]!;
    const codes = col instanceof Float64Array ? col : levelCodes(c.levels, col, n);
    // Each level's column for a customer of another level (or none), and the one level's for a customer of it.
    const off = Float64Array.from(c.means, (m) => (0 - m) / c.scale);
    const on = Float64Array.from(c.means, (m) => (1 - m) / c.scale);
    for (let i = 0; i < n; i++) {
      const at = i * d + t;
      x.set(off, at);
      const hit = codes[i]!;
      if (hit >= 0) x[at + hit] = on[hit]!;
    }
    t += c.levels.length;
  }
  return x;
}

/** Each value's position among `levels` (the first where a level repeats), -1 for null or another value. */
function levelCodes(levels: readonly string[], values: readonly (string | null)[], n: number): Float64Array {
  const level = new Map<string, number>();
  levels.forEach((l, j) => {
    if (!level.has(l)) level.set(l, j);
  });
  const codes = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    codes[i] = v === null || v === undefined ? -1 : (level.get(v) ?? -1);
  }
  return codes;
}

/** Clusters for each k, the silhouette of each, and the k kept. */
export function choosePersonas(x: Float64Array, n: number, d: number, seed: number, p: PersonaParams): { best: KMeansResult; silhouettes: Silhouette[] } {
  const m = Math.min(n, p.silhouetteCustomers);
  const silhouettes: Silhouette[] = [];
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

/** The name a persona was given when its model was fitted, and the channel, category and country that name holds (null where none). */
export interface PersonaName {
  persona_id: number;
  /** As published (a repeated name with " (2)"...). */
  name: string;
  /** The name its description begins with (without the repeat's number). */
  words: string;
  channel: string | null;
  category: string | null;
  country: string | null;
}

/**
 * A fitted persona model, as a model version keeps it (personas.json): the
 * encoder, the centres in k-means' order, the persona number of each
 * centre, the names, and the choice of k. With it a customer is assigned
 * (nearest centre with the kept encoder) without refitting, so a persona's
 * number and name stay from run to run.
 */
export interface PersonaModel {
  format: 1;
  /** The as-of of the customers it was fitted on. */
  fitted_as_of: string;
  /** Customers in the sample it was fitted on. */
  fitted_on: number;
  k: number;
  d: number;
  silhouettes: Silhouette[];
  encoder: { numeric: { column: string; mean: number; sd: number }[]; categorical: Encoder['categorical'] };
  /** k x d, row-major, in k-means' order. */
  centroids: number[];
  /** The persona number of each centre (1 = the largest of everyone when fitted). */
  persona_ids: number[];
  names: PersonaName[];
}

/** The encoder as JSON (a numeric trait by its column; its transform is the trait's own). */
export function encoderToJson(e: Encoder): PersonaModel['encoder'] {
  return { numeric: e.numeric.map((f) => ({ column: f.column, mean: f.mean, sd: f.sd })), categorical: e.categorical };
}

/** The encoder of a kept persona model; a trait this version of fidelio does not know is an error. */
export function encoderFromJson(json: PersonaModel['encoder']): Encoder {
  const numeric = json.numeric.map((f) => {
    const trait = NUMERIC.find((t) => t.column === f.column);
    if (!trait) throw new Error(`the persona model encodes an unknown trait ${f.column}`);
    return { column: trait.column, transform: trait.transform, mean: f.mean, sd: f.sd };
  });
  const categorical = json.categorical.map((c) => {
    if (!CATEGORICAL.some((t) => t.column === c.column)) throw new Error(`the persona model encodes an unknown trait ${c.column}`);
    // encode writes one column per level, each from its mean: a block whose levels and means disagree would spill into the next.
    if (!Array.isArray(c.levels) || !c.levels.every((l) => typeof l === 'string') || !Array.isArray(c.means) || c.means.length !== c.levels.length
      || !c.means.every(Number.isFinite) || !Number.isFinite(c.scale)) {
      throw new Error(`the persona model's ${c.column} levels do not each have a mean`);
    }
    return c;
  });
  return { numeric, categorical, d: numeric.length + categorical.reduce((a, c) => a + c.levels.length, 0) };
}

/** A kept persona model read back (personas.json), checked for what assigning customers relies on. */
export function parsePersonaModel(json: unknown, where: string): PersonaModel {
  const m = json as PersonaModel;
  const applies = () => { try { return encoderFromJson(m.encoder).d === m.d; } catch { return false; } };
  const ok = m && m.format === 1 && Number.isInteger(m.k) && m.k >= 1 && Number.isInteger(m.d) && Array.isArray(m.centroids) && m.centroids.length === m.k * m.d
    && m.centroids.every(Number.isFinite) && Array.isArray(m.persona_ids) && [...m.persona_ids].sort((a, b) => a - b).every((id, j) => id === j + 1)
    && Array.isArray(m.names) && Array.isArray(m.silhouettes) && typeof m.fitted_as_of === 'string' && m.encoder
    && applies();
  if (!ok) throw new Error(`${where} does not hold a persona model fidelio can apply`);
  return m;
}
