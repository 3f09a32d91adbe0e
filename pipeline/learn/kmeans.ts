import type { Random } from '../shared/random.js';

/*
 * k-means on rows of a row-major matrix (n rows of d numbers): k-means++
 * seeding from a seeded generator, Lloyd's iterations (at most
 * `maxIterations`, stopping when no row changes cluster), the best of
 * `restarts` by within-cluster sum of squares; and the mean silhouette
 * that chooses k. Pure and deterministic for a given generator.
 */

export interface KMeansResult {
  k: number;
  d: number;
  /** k x d, row-major. */
  centroids: Float64Array;
  assignment: Int32Array;
  /** Within-cluster sum of squared distances. */
  inertia: number;
  iterations: number;
}

export interface KMeansOptions {
  maxIterations?: number;
  restarts?: number;
}

function squaredDistance(x: Float64Array, i: number, c: Float64Array, j: number, d: number): number {
  let s = 0;
  for (let t = 0; t < d; t++) {
    const diff = x[i * d + t]! - c[j * d + t]!;
    s += diff * diff;
  }
  return s;
}

/** The index of the centroid nearest to row `i` of `x` (ties: the lower index), and its squared distance. */
export function nearestCentroid(x: Float64Array, i: number, centroids: Float64Array, k: number, d: number): { index: number; distance: number } {
  let index = 0;
  let distance = Infinity;
  for (let j = 0; j < k; j++) {
    const s = squaredDistance(x, i, centroids, j, d);
    if (s < distance) {
      distance = s;
      index = j;
    }
  }
  return { index, distance };
}

function seedCentroids(x: Float64Array, n: number, d: number, k: number, rng: Random): Float64Array {
  const centroids = new Float64Array(k * d);
  const copy = (row: number, j: number) => centroids.set(x.subarray(row * d, row * d + d), j * d);
  copy(rng.int(n), 0);
  const nearest = new Float64Array(n).fill(Infinity);
  for (let j = 1; j < k; j++) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      nearest[i] = Math.min(nearest[i]!, squaredDistance(x, i, centroids, j - 1, d));
      total += nearest[i]!;
    }
    // Each next centre drawn with probability proportional to its squared distance from the chosen ones.
    let target = rng.uniform() * total;
    let row = n - 1;
    for (let i = 0; i < n; i++) {
      target -= nearest[i]!;
      if (target < 0) {
        row = i;
        break;
      }
    }
    copy(row, j);
  }
  return centroids;
}

function lloyd(x: Float64Array, n: number, d: number, k: number, centroids: Float64Array, maxIterations: number): KMeansResult {
  const assignment = new Int32Array(n).fill(-1);
  let iterations = 0;
  let inertia = 0;
  for (; iterations < maxIterations; iterations++) {
    let changed = 0;
    inertia = 0;
    for (let i = 0; i < n; i++) {
      const { index, distance } = nearestCentroid(x, i, centroids, k, d);
      inertia += distance;
      if (assignment[i] !== index) {
        assignment[i] = index;
        changed++;
      }
    }
    if (changed === 0) break;
    const sums = new Float64Array(k * d);
    const counts = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      const j = assignment[i]!;
      counts[j]!++;
      for (let t = 0; t < d; t++) sums[j * d + t]! += x[i * d + t]!;
    }
    // An empty cluster takes the row farthest from its centre (by the centres of this iteration) among
    // clusters of more than one row, moved with its sums; then every centre is its rows' mean.
    for (let j = 0; j < k; j++) {
      if (counts[j] !== 0) continue;
      let far = -1;
      let farDistance = -1;
      for (let i = 0; i < n; i++) {
        if (counts[assignment[i]!]! <= 1) continue;
        const s = squaredDistance(x, i, centroids, assignment[i]!, d);
        if (s > farDistance) {
          farDistance = s;
          far = i;
        }
      }
      if (far < 0) continue;
      const from = assignment[far]!;
      counts[from]!--;
      counts[j] = 1;
      for (let t = 0; t < d; t++) {
        sums[from * d + t]! -= x[far * d + t]!;
        sums[j * d + t] = x[far * d + t]!;
      }
      assignment[far] = j;
    }
    for (let j = 0; j < k; j++) {
      if (counts[j]! > 0) for (let t = 0; t < d; t++) centroids[j * d + t] = sums[j * d + t]! / counts[j]!;
    }
  }
  return { k, d, centroids, assignment, inertia, iterations };
}

/** k-means of the n x d rows of `x` (n >= k), the best of `restarts` seeded runs. */
export function kMeans(x: Float64Array, n: number, d: number, k: number, rng: Random, options: KMeansOptions = {}): KMeansResult {
  if (n < k) throw new Error(`k-means needs at least ${k} rows, got ${n}`);
  let best: KMeansResult | undefined;
  for (let r = 0; r < (options.restarts ?? 4); r++) {
    const result = lloyd(x, n, d, k, seedCentroids(x, n, d, k, rng), options.maxIterations ?? 100);
    if (!best || result.inertia < best.inertia) best = result;
  }
  return best!;
}

/**
 * The mean silhouette of a clustering (Rousseeuw 1987): for each row, b - a
 * over max(a, b), with a its mean distance to its own cluster and b the
 * least mean distance to another; 0 for a row alone in its cluster. In
 * [-1, 1], higher is better separated. O(n^2 d): give it a sample.
 */
export function silhouette(x: Float64Array, n: number, d: number, assignment: Int32Array, k: number): number {
  const sums = new Float64Array(k);
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i++) counts[assignment[i]!]!++;
  let total = 0;
  for (let i = 0; i < n; i++) {
    sums.fill(0);
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let s = 0;
      for (let t = 0; t < d; t++) {
        const diff = x[i * d + t]! - x[j * d + t]!;
        s += diff * diff;
      }
      sums[assignment[j]!]! += Math.sqrt(s);
    }
    const own = assignment[i]!;
    if (counts[own]! <= 1) continue;
    const a = sums[own]! / (counts[own]! - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && counts[c]! > 0) b = Math.min(b, sums[c]! / counts[c]!);
    if (Number.isFinite(b) && Math.max(a, b) > 0) total += (b - a) / Math.max(a, b);
  }
  return total / n;
}
