import { expect, test } from 'vitest';
import { calibrationTable, churnMetrics, gainCurve, liftTopDecile, purchaseMetrics, rounded, valueMetrics } from '../../pipeline/shared/evaluation.js';

test('calibration, lift and gain tables by hand', () => {
  const prob = Array.from({ length: 20 }, (_, i) => (i + 0.5) / 20);
  const label = prob.map((_, i) => (i >= 10 ? 1 : 0));
  const table = calibrationTable(prob, label);
  expect(table[0]).toEqual({ decile: 1, customers: 2, mean_predicted: 0.05, observed_rate: 0 });
  expect(table[9]).toEqual({ decile: 10, customers: 2, mean_predicted: 0.95, observed_rate: 1 });
  // The top tenth are all positives: lift = 1 / 0.5.
  expect(liftTopDecile(prob, label)).toBe(2);
  expect(gainCurve(prob, label, 4)).toEqual([[0, 0], [0.25, 0.5], [0.5, 1], [0.75, 1], [1, 1]]);
});

test('the churn, value and purchase figures bundle the metrics; rounding publishes NaN as null', () => {
  const churn = churnMetrics(Float64Array.from([0.9, 0.2, 0.7, 0.1]), Float64Array.from([1, 0, 1, 0]));
  expect(churn).toMatchObject({ customers: 4, churn_rate: 0.5, auc: 1 });
  expect(valueMetrics(Float64Array.from([3, 2, 1]), Float64Array.from([30, 20, 10])).normalized_gini).toBeCloseTo(1, 12);
  expect(purchaseMetrics(Float64Array.from([1, 2]), Float64Array.from([2, 2]))).toMatchObject({ mae: 0.5, predicted_total: 3, actual_total: 4 });
  expect(rounded({ a: 0.1234567, b: NaN })).toEqual({ a: 0.12346, b: null });
});
