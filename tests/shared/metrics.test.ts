import { expect, test } from 'vitest';
import { auc, averagePrecision, averageRanks, brier, decileMape, logLoss, normalizedGini, pearson, spearman } from '../../pipeline/shared/metrics.js';

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
