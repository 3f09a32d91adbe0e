import { expect, test } from 'vitest';
import { choosePersonas, encode, fitEncoder, type TraitRows } from '../../pipeline/learn/personaClusters.js';

/** Traits of `n` customers as arrays, no database. */
function traits(n: number, f: (i: number) => { orders: number; aov: number; discount: number; weekend: number; tenure: number; complaints: number; channel: string | null; category: string; country: string }): TraitRows {
  const rows = Array.from({ length: n }, (_, i) => f(i));
  const num = (k: keyof (typeof rows)[number]) => Float64Array.from(rows, (r) => r[k] as number);
  return {
    orders_per_year: num('orders'), avg_order_value: num('aov'), discount_share: num('discount'), weekend_share: num('weekend'),
    tenure_days: num('tenure'), complaints_365d: num('complaints'),
    channel: rows.map((r) => r.channel), category: rows.map((r) => r.category), country: rows.map((r) => r.country),
  };
}

test('the encoding: logs of the skewed traits standardised and clipped, constants left out, categories one-hot scaled to one trait', () => {
  const n = 100;
  const cols = traits(n, (i) => ({
    orders: i % 10, aov: i === 0 ? 1e9 : 20 + (i % 5), discount: i % 2, weekend: 0.5, tenure: 100 + i, complaints: 0,
    channel: i % 4 === 0 ? 'app' : 'web', category: i === 1 ? 'rare' : 'shoes', country: i % 2 ? 'DE' : 'FR',
  }));
  (cols.tenure_days as Float64Array)[5] = NaN;
  const e = fitEncoder(cols, n);
  // weekend_share and complaints_365d do not vary: left out. One level of category only (rare is under 3%): left out.
  expect(e.numeric.map((f) => f.column)).toEqual(['orders_per_year', 'avg_order_value', 'discount_share', 'tenure_days']);
  expect(e.categorical.map((c) => [c.column, c.levels])).toEqual([['channel', ['web', 'app']], ['country', ['DE', 'FR']]]);
  expect(e.d).toBe(4 + 2 + 2);
  // orders_per_year: log1p, then the sample's mean and deviation (n - 1).
  const logs = Array.from({ length: n }, (_, i) => Math.log1p(i % 10));
  const mean = logs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  expect(e.numeric[0]!.mean).toBeCloseTo(mean, 12);
  expect(e.numeric[0]!.sd).toBeCloseTo(sd, 12);
  const x = encode(e, cols, n);
  expect(x[3 * e.d]).toBeCloseTo((Math.log1p(3) - mean) / sd, 12);
  // The extreme order value is clipped at 3 deviations; a missing tenure sits at the mean.
  expect(x[0 * e.d + 1]).toBe(3);
  expect(x[5 * e.d + 3]).toBe(0);
  // channel: a quarter use the app; each one-hot column is centred, the block scaled by sqrt(sum p(1 - p)).
  const scale = Math.sqrt(0.75 * 0.25 + 0.25 * 0.75);
  expect(x[0 * e.d + 4]).toBeCloseTo((0 - 0.75) / scale, 12); // customer 0 buys on the app: not web
  expect(x[0 * e.d + 5]).toBeCloseTo((1 - 0.25) / scale, 12);
  // Each block weighs one trait: its squared entries average 1 over the customers.
  const block = Array.from({ length: n }, (_, i) => x[i * e.d + 4]! ** 2 + x[i * e.d + 5]! ** 2).reduce((a, b) => a + b, 0) / n;
  expect(block).toBeCloseTo(1, 12);
});

test('k chosen by the silhouette finds well-separated groups, numbered by size, the same for the same seed', () => {
  // Three groups in two dimensions, of 60, 40 and 20 points around distant centres (a deterministic jitter).
  const centres = [[0, 0], [10, 0], [0, 10]];
  const sizes = [60, 40, 20];
  const points: number[] = [];
  const truth: number[] = [];
  sizes.forEach((m, g) => {
    for (let i = 0; i < m; i++) {
      points.push(centres[g]![0]! + Math.sin(7 * i + g), centres[g]![1]! + Math.cos(5 * i + g));
      truth.push(g);
    }
  });
  const n = truth.length;
  // Shuffled deterministically so that the silhouette's sub-sample (the first rows) sees every group.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => ((a * 37) % n) - ((b * 37) % n));
  const x = Float64Array.from(order.flatMap((i) => [points[2 * i]!, points[2 * i + 1]!]));
  const labels = order.map((i) => truth[i]!);
  const params = { min: 2, max: 5, fitCustomers: n, silhouetteCustomers: 90, restarts: 3, maxIterations: 100 };
  const { best, silhouettes } = choosePersonas(x, n, 2, 7, params);
  expect(silhouettes.map((s) => s.k)).toEqual([2, 3, 4, 5]);
  expect(best.k).toBe(3);
  expect(Math.max(...silhouettes.map((s) => s.silhouette))).toBe(silhouettes.find((s) => s.k === 3)!.silhouette);
  // Persona 0 is the largest group (60), 1 the next (40), 2 the smallest (20): every point in its group's persona.
  labels.forEach((g, i) => expect(best.assignment[i]).toBe(g));
  expect(best.centroids[0]).toBeCloseTo(0, 0);
  expect(best.centroids[2]).toBeCloseTo(10, 0);
  // Never more personas than a tenth of the customers; seeded.
  expect(choosePersonas(x.subarray(0, 60), 30, 2, 7, params).silhouettes.map((s) => s.k)).toEqual([2, 3]);
  expect(Array.from(choosePersonas(x, n, 2, 7, params).best.assignment)).toEqual(Array.from(best.assignment));
});

test('the encoding column by column is the row-by-row formula, number for number: missing, unseen and absent values included', () => {
  const n = 500;
  const channels = ['web', 'app', 'store', null, 'fax'];
  const cols = traits(n, (i) => ({
    orders: (i * 7) % 13 + (i % 3) * 0.25, aov: i % 17 === 0 ? 0.5 : 10 + ((i * 31) % 97), discount: (i % 5) / 4, weekend: (i % 9) / 8, tenure: i % 11 === 0 ? NaN : 30 + i,
    complaints: i % 23 === 0 ? 3 : 0, channel: channels[i % 5]!, category: ['shoes', 'bags', 'hats'][i % 3]!, country: ['DE', 'FR', 'ES', 'IT'][(i * 3) % 4]!,
  }));
  const e = fitEncoder(cols, 300);
  // Rows the encoder was not fitted on reach every branch: an unseen channel ("fax" is rarer in the fit), none, NaN, an extreme value.
  (cols.avg_order_value as Float64Array)[499] = 1e12;
  const x = encode(e, cols, n);
  for (let i = 0; i < n; i++) {
    let t = 0;
    for (const f of e.numeric) {
      const z = (f.transform((cols[f.column] as Float64Array)[i]!) - f.mean) / f.sd;
      expect(x[i * e.d + t++], `${f.column} of row ${i}`).toBe(Number.isFinite(z) ? Math.max(-3, Math.min(3, z)) : 0);
    }
    for (const c of e.categorical) {
      const v = (cols[c.column] as (string | null)[])[i];
      for (const [j, level] of c.levels.entries()) expect(x[i * e.d + t++], `${c.column}=${level} of row ${i}`).toBe(((v === level ? 1 : 0) - c.means[j]!) / c.scale);
    }
  }
  expect(e.categorical.find((c) => c.column === 'channel')!.levels.length).toBeGreaterThanOrEqual(3);
});
