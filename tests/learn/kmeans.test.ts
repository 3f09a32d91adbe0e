import { describe, expect, test } from 'vitest';
import { kMeans, nearestCentroid, silhouette } from '../../pipeline/learn/kmeans.js';
import { Random } from '../../pipeline/shared/random.js';

/** n points around each of `centres` (2-D), sd `spread`, rows grouped by centre. */
function blobs(centres: [number, number][], n: number, spread: number, seed: number): Float64Array {
  const rng = new Random(seed);
  const x = new Float64Array(centres.length * n * 2);
  centres.forEach(([cx, cy], c) => {
    for (let i = 0; i < n; i++) {
      x[(c * n + i) * 2] = cx + spread * rng.normal();
      x[(c * n + i) * 2 + 1] = cy + spread * rng.normal();
    }
  });
  return x;
}

describe('k-means', () => {
  test('three separated groups are recovered exactly, with their means as centres', () => {
    const centres: [number, number][] = [[0, 0], [10, 0], [0, 10]];
    const x = blobs(centres, 100, 1, 3);
    const fit = kMeans(x, 300, 2, 3, new Random(1));
    for (let c = 0; c < 3; c++) {
      const label = fit.assignment[c * 100]!;
      for (let i = 0; i < 100; i++) expect(fit.assignment[c * 100 + i]).toBe(label);
      // The centre is the mean of its rows.
      let mx = 0;
      let my = 0;
      for (let i = 0; i < 100; i++) {
        mx += x[(c * 100 + i) * 2]! / 100;
        my += x[(c * 100 + i) * 2 + 1]! / 100;
      }
      expect(fit.centroids[label * 2]).toBeCloseTo(mx, 10);
      expect(fit.centroids[label * 2 + 1]).toBeCloseTo(my, 10);
    }
    expect(new Set(fit.assignment).size).toBe(3);
  });

  test('the same generator gives the same clustering; iterations stay within their bound', () => {
    const x = blobs([[0, 0], [3, 0], [0, 3], [3, 3]], 50, 1.2, 4);
    const a = kMeans(x, 200, 2, 4, new Random(9));
    const b = kMeans(x, 200, 2, 4, new Random(9));
    expect([...a.assignment]).toEqual([...b.assignment]);
    expect(a.inertia).toBe(b.inertia);
    const capped = kMeans(x, 200, 2, 4, new Random(9), { maxIterations: 2, restarts: 1 });
    expect(capped.iterations).toBeLessThanOrEqual(2);
  });

  test('fewer rows than clusters is refused; repeated rows cluster without error', () => {
    expect(() => kMeans(new Float64Array(4), 2, 2, 3, new Random(1))).toThrow(/at least 3 rows/);
    const x = new Float64Array([0, 0, 0, 0, 5, 5, 5, 5, 9, 9]);
    const fit = kMeans(x, 5, 2, 3, new Random(2));
    expect(fit.inertia).toBeCloseTo(0, 12);
  });

  test('a cluster left empty takes the farthest row: every centre stays a mean of rows, the iterations bounded', () => {
    // Three distinct rows, repeated, and four clusters: seeding repeats a centre, so a cluster starts empty.
    const rows = [[0, 0], [0, 0], [0, 0], [4, 0], [4, 0], [9, 9], [9, 9], [9, 9]];
    const x = new Float64Array(rows.flat());
    const fit = kMeans(x, rows.length, 2, 4, new Random(3), { restarts: 2, maxIterations: 50 });
    expect([...fit.centroids].every(Number.isFinite)).toBe(true);
    expect(new Set(fit.assignment).size).toBe(4);
    expect(fit.iterations).toBeLessThanOrEqual(50);
    // Without the repair one cluster would stay empty; with it a repeated row fills it, no spread left within any.
    expect(fit.inertia).toBeCloseTo(0, 10);
  });

  test('the silhouette matches a hand computation', () => {
    // Points 0, 1 (cluster 0) and 4, 6 (cluster 1) on a line.
    const x = new Float64Array([0, 1, 4, 6]);
    const assignment = new Int32Array([0, 0, 1, 1]);
    // s(0): a = 1, b = (4 + 6) / 2 = 5 -> 0.8; s(1): a = 1, b = 4 -> 0.75; s(4): a = 2, b = 3.5 -> 0.428571; s(6): a = 2, b = 5.5 -> 0.636364
    const expected = (0.8 + 0.75 + (1.5 / 3.5) + (3.5 / 5.5)) / 4;
    expect(silhouette(x, 4, 1, assignment, 2)).toBeCloseTo(expected, 12);
  });

  test('well-separated groups score near 1, one group split in two near 0', () => {
    const x = blobs([[0, 0], [20, 0]], 80, 1, 5);
    const good = kMeans(x, 160, 2, 2, new Random(1));
    expect(silhouette(x, 160, 2, good.assignment, 2)).toBeGreaterThan(0.85);
    const one = blobs([[0, 0]], 160, 1, 6);
    const split = kMeans(one, 160, 2, 2, new Random(1));
    expect(silhouette(one, 160, 2, split.assignment, 2)).toBeLessThan(0.5);
  });

  test('the nearest centre breaks ties to the lower index', () => {
    const centroids = new Float64Array([1, 0, -1, 0]);
    expect(nearestCentroid(new Float64Array([0, 0]), 0, centroids, 2, 2)).toEqual({ index: 0, distance: 1 });
    expect(nearestCentroid(new Float64Array([-0.5, 0]), 0, centroids, 2, 2).index).toBe(1);
  });
});
