import { expect, test } from 'vitest';
import { LOG_BOUND, fitPositive } from '../../pipeline/btyd/fitReport.js';

// An exponential sample's likelihood: the rate's estimate is 1 / mean, its standard error rate / sqrt(n).
const sample = Array.from({ length: 400 }, (_, i) => 0.5 + (i % 10) / 10); // mean 0.95
const logLik = ([rate]: number[]) => sample.reduce((s, x) => s + Math.log(rate!) - rate! * x, 0);

test('the maximum-likelihood estimate, its standard error from the Hessian and convergence', () => {
  const { params, report } = fitPositive(logLik, [[1], [3]]);
  const rate = 1 / 0.95;
  expect(params[0]).toBeCloseTo(rate, 6);
  expect(report.converged).toBe(true);
  expect(report.standard_errors![0]).toBeCloseTo(rate / Math.sqrt(400), 4);
  expect(report.log_likelihood).toBeCloseTo(logLik([rate]), 8);
  expect(report.warnings).toEqual([]);
});

test('a likelihood that rises without end stops at the edge of the allowed range, and says so', () => {
  const { params, report } = fitPositive(([a]: number[]) => Math.log(a!), [[1]], undefined, { maxEvaluations: 2000 });
  expect(Math.log(params[0]!)).toBeLessThanOrEqual(LOG_BOUND);
  expect(report.warnings.join(' ')).toMatch(/edge of the allowed range|limit of 2000/);
});
