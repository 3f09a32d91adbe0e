import { expect, test } from 'vitest';
import { auc, averagePrecision, averageRanks, brier, decileMape, logLoss, normalizedGini, orderBy, pearson, spearman } from '../../pipeline/shared/metrics.js';
import { Random } from '../../pipeline/shared/random.js';

test('metrics against values computed by hand', () => {
  // Scores 0.9, 0.8, 0.4, 0.4, 0.1 for labels 1, 0, 1, 0, 0: positive-negative pairs ranked right:
  // 0.9 beats all 3 negatives; 0.4 beats 0.1, ties 0.4 (half), loses to 0.8: (3 + 1.5) / 6.
  const score = [0.9, 0.8, 0.4, 0.4, 0.1];
  const label = [1, 0, 1, 0, 0];
  expect(auc(score, label)).toBeCloseTo(4.5 / 6, 12);
  expect(auc([0.5, 0.5, 0.5], [1, 0, 1])).toBe(0.5);
  expect(Array.from(averageRanks([10, 20, 20, 5]))).toEqual([2, 3.5, 3.5, 1]);
  // Average precision, ties broken pessimistically (the negative 0.4 first): precisions at the positives 1/1 and 2/4.
  expect(averagePrecision(score, label)).toBeCloseTo((1 + 2 / 4) / 2, 12);
  expect(brier([0.8, 0.3], [1, 0])).toBeCloseTo((0.04 + 0.09) / 2, 12);
  expect(logLoss([0.8, 0.3], [1, 0])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.7)) / 2, 12);
  expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
  expect(spearman([1, 2, 3, 4], [10, 30, 20, 40])).toBeCloseTo(0.8, 12);
  // Gini: predictions in the perfect order give 1, the reverse order -1.
  expect(normalizedGini([4, 3, 2, 1], [40, 30, 20, 10])).toBeCloseTo(1, 12);
  expect(normalizedGini([1, 2, 3, 4], [40, 30, 20, 10])).toBeCloseTo(-1, 12);
  // Ten customers, one per decile: each decile's error |p - a| / a.
  const predicted = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
  const actual = [5, 9, 8, 7, 6, 5, 4, 3, 2, 2];
  expect(decileMape(predicted, actual)).toBeCloseTo((1 + 0.5) / 10, 12);
});

/** The order orderBy gives, by definition: a comparison sort of the values' difference, then the rows. */
const orderByComparison = (values: ArrayLike<number>, ascending = false) =>
  Array.from({ length: values.length }, (_, i) => i).sort((a, b) => (ascending ? 1 : -1) * (values[a]! - values[b]!) || a - b);

test('orderBy gives the order of the comparison of values then rows, exactly: ties, -0 and 0, infinities, both directions; with a NaN it is that comparison', () => {
  const rng = new Random(17);
  const pick = (): number => {
    const u = rng.uniform();
    if (u < 0.05) return rng.uniform() < 0.5 ? -0 : 0;
    if (u < 0.08) return rng.uniform() < 0.5 ? Infinity : -Infinity;
    if (u < 0.5) return Math.floor(rng.uniform() * 7) - 3;
    if (u < 0.6) return 5e-324 * Math.floor(rng.uniform() * 3);
    return rng.normal() * 1e6;
  };
  for (const n of [0, 1, 2, 50, 5000]) {
    const values = Float64Array.from({ length: n }, pick);
    for (const ascending of [false, true]) {
      expect(orderBy(values, ascending)).toEqual(orderByComparison(values, ascending));
      expect(orderBy(Array.from(values), ascending)).toEqual(orderByComparison(values, ascending));
    }
  }
  const withNaN = [3, NaN, 1, 3, NaN, -2];
  expect(orderBy(withNaN)).toEqual(orderByComparison(withNaN));
  // highest first, ties in row order
  expect(orderBy([2, 5, 2, -0, 5, 0])).toEqual([1, 4, 0, 2, 3, 5]);
  expect(orderBy([2, 5, 2, -0, 5, 0], true)).toEqual([3, 5, 0, 2, 1, 4]);
});

test('averagePrecision is the step-wise area with ties broken pessimistically (negatives first), as a comparison sort gives it', () => {
  // The definition, by a comparison sort of score (highest first) then label.
  const oracle = (score: ArrayLike<number>, label: ArrayLike<number>) => {
    const order = Array.from({ length: score.length }, (_, i) => i).sort((a, b) => score[b]! - score[a]! || label[a]! - label[b]!);
    let tp = 0;
    let sum = 0;
    order.forEach((idx, k) => {
      if (label[idx]) sum += ++tp / (k + 1);
    });
    return sum / tp;
  };
  const rng = new Random(23);
  for (const n of [3, 40, 4000]) {
    // few distinct scores (large ties holding both labels), and an infinity
    const score = Float64Array.from({ length: n }, () => (rng.uniform() < 0.02 ? Infinity : Math.floor(rng.uniform() * 9) / 8));
    const label = Float64Array.from(score, (s) => (rng.uniform() < Math.min(1, s) * 0.8 ? 1 : 0));
    label[0] = 1;
    expect(averagePrecision(score, label)).toBe(oracle(score, label));
  }
  // a constant score: every positive after every negative
  expect(averagePrecision([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0])).toBeCloseTo((1 / 3 + 2 / 4) / 2, 12);
  expect(averagePrecision([0.9, NaN, 0.1], [1, 0, 1])).toBe(oracle([0.9, NaN, 0.1], [1, 0, 1]));
});
