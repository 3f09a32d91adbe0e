import { expect, test } from 'vitest';
import { cholesky, drawParameters, quantile } from '../../pipeline/btyd/parameterDraws.js';
import { Random } from '../../pipeline/shared/random.js';

test('the Cholesky factor rebuilds its matrix; a matrix that is not positive definite has none', () => {
  const m = [[4, 2], [2, 3]];
  const L = cholesky(m)!;
  const back = [[L[0]![0]! ** 2, L[0]![0]! * L[1]![0]!], [L[1]![0]! * L[0]![0]!, L[1]![0]! ** 2 + L[1]![1]! ** 2]];
  back.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(m[i]![j]!, 12)));
  expect(cholesky([[1, 2], [2, 1]])).toBeNull();
  // Given a floor, a vanishing pivot is taken as the floor (the uplift model's Newton step): a factor, the same where it is positive definite.
  expect(cholesky([[1, 2], [2, 1]], 1e-12)).toEqual([[1, 0], [2, 1e-6]]);
  expect(cholesky(m, 1e-12)).toEqual(L);
});

test('draws are lognormal around the estimate with the given log-scale covariance, the same for the same seed', () => {
  const cov = [[0.04, 0.01], [0.01, 0.09]];
  const draws = drawParameters([2, 5], cov, 4000, new Random(1));
  const logs = draws.map((d) => [Math.log(d[0]! / 2), Math.log(d[1]! / 5)]);
  const mean = (k: number) => logs.reduce((s, l) => s + l[k]!, 0) / logs.length;
  const cov01 = logs.reduce((s, l) => s + (l[0]! - mean(0)) * (l[1]! - mean(1)), 0) / logs.length;
  expect(Math.abs(mean(0))).toBeLessThan(0.01);
  expect(logs.reduce((s, l) => s + (l[1]! - mean(1)) ** 2, 0) / logs.length).toBeCloseTo(0.09, 2);
  expect(cov01).toBeCloseTo(0.01, 2);
  expect(drawParameters([2, 5], cov, 3, new Random(1))).toEqual(draws.slice(0, 3));
  expect(drawParameters([2, 5], null, 10, new Random(1))).toEqual([]);
});

test('quantiles interpolate between order statistics', () => {
  expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
  expect(quantile([1, 2, 3, 4], 0)).toBe(1);
  expect(quantile([1, 2, 3, 4], 1)).toBe(4);
  expect(quantile([10, 20], 0.1)).toBeCloseTo(11, 12);
});
