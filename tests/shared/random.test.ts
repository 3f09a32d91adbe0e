import { expect, test } from 'vitest';
import { Random } from '../../pipeline/shared/random.js';

test('the same seed gives the same draws; each distribution has its mean', () => {
  const a = new Random(7);
  const b = new Random(7);
  expect(Array.from({ length: 5 }, () => a.uniform())).toEqual(Array.from({ length: 5 }, () => b.uniform()));
  expect(new Random(8).uniform()).not.toBe(new Random(7).uniform());
  const rng = new Random(1);
  const n = 20_000;
  const mean = (draw: () => number) => Array.from({ length: n }, draw).reduce((s, v) => s + v, 0) / n;
  expect(mean(() => rng.uniform())).toBeCloseTo(0.5, 1);
  expect(mean(() => rng.normal())).toBeCloseTo(0, 1);
  expect(mean(() => rng.exponential(4))).toBeCloseTo(0.25, 1);
  expect(mean(() => rng.gamma(3, 2))).toBeCloseTo(6, 0);
  expect(mean(() => rng.gamma(0.5, 2))).toBeCloseTo(1, 1);
  expect(mean(() => rng.beta(2, 6))).toBeCloseTo(0.25, 1);
  expect(mean(() => (rng.bernoulli(0.3) ? 1 : 0))).toBeCloseTo(0.3, 1);
  const ints = Array.from({ length: 1000 }, () => rng.int(3));
  expect(new Set(ints)).toEqual(new Set([0, 1, 2]));
  const picks = Array.from({ length: 3000 }, () => rng.pick(['a', 'b'], [3, 1]));
  expect(picks.filter((p) => p === 'a').length / 3000).toBeCloseTo(0.75, 1);
});
