import { describe, expect, test } from 'vitest';
import { bgnbdConditionalExpected, bgnbdExpected, bgnbdLogLik, bgnbdPAlive, fitBgNbd } from '../../pipeline/btyd/bgnbd.js';
import { fitGammaGamma, gammaGammaExpectedSpend } from '../../pipeline/btyd/gammaGamma.js';

import { fitMbgNbd, mbgnbdLogLik } from '../../pipeline/btyd/mbgnbd.js';
import { fitParetoNbd, paretoNbdLogLik } from '../../pipeline/btyd/paretoNbd.js';
import { cdnowSummaryRows } from '../helpers/cdnow.js';

// The published CDNOW sample summary (see tests/fixtures/cdnow/README.md).
const rows = cdnowSummaryRows();

describe('BG/NBD on CDNOW', () => {
  const published = { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 };

  test('the published parameters give the published log-likelihood', () => {
    const ll = rows.reduce((s, c) => s + bgnbdLogLik(published, c.x, c.t_x, c.T), 0);
    expect(ll).toBeCloseTo(-9582.43, 0);
  });

  test('the fit reproduces Fader, Hardie & Lee (2005)', () => {
    const { params, report } = fitBgNbd(rows);
    expect(params.r).toBeCloseTo(0.2426, 3);
    expect(params.alpha).toBeCloseTo(4.4135, 2);
    expect(params.a).toBeCloseTo(0.7929, 3);
    expect(params.b).toBeCloseTo(2.4258, 2);
    expect(report.log_likelihood).toBeCloseTo(-9582.43, 1);
    expect(report.converged).toBe(true);
    expect(report.gradient_norm).toBeLessThan(1e-2);
  });

  test('per-customer figures match the published check values', () => {
    expect(bgnbdConditionalExpected(published, 39, 2, 30.43, 38.86)).toBeCloseTo(1.2259, 3);
    expect(bgnbdPAlive(published, 2, 30.43, 38.86)).toBeCloseTo(0.7266, 3);
    expect(bgnbdPAlive(published, rows[1]!.x, rows[1]!.t_x, rows[1]!.T)).toBeCloseTo(0.2122, 3);
    expect(bgnbdPAlive(published, rows[2]!.x, rows[2]!.t_x, rows[2]!.T)).toBe(1);
    const expected = [1, 3, 32, 78].map((t) => bgnbdExpected(published, t));
    expect(expected[0]).toBeCloseTo(0.0532, 3);
    expect(expected[1]).toBeCloseTo(0.1506, 3);
    expect(expected[2]).toBeCloseTo(1.0437, 3);
    expect(expected[3]).toBeCloseTo(1.8576, 3);
  });
});

describe('Gamma-Gamma on CDNOW repeaters', () => {
  test('the fit reproduces Fader & Hardie (2013)', () => {
    const { params, report } = fitGammaGamma(rows);
    expect(rows.filter((r) => r.x > 0)).toHaveLength(946);
    expect(params.p).toBeCloseTo(6.2488, 2);
    expect(params.q).toBeCloseTo(3.7446, 2);
    expect(params.gamma).toBeCloseTo(15.4477, 1);
    expect(report.log_likelihood).toBeCloseTo(-4055.92, 1);
  });

  test('conditional expected spend of customers 1..10 matches the published values', () => {
    const published = { p: 6.2488, q: 3.7446, gamma: 15.4477 };
    const spend = rows.slice(0, 10).map((c) => gammaGammaExpectedSpend(published, c.x, c.mean_repeat_value));
    const expected = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17];
    spend.forEach((s, i) => expect(s).toBeCloseTo(expected[i]!, 1));
  });
});

describe('Pareto/NBD on CDNOW', () => {
  const published = { r: 0.5533, alpha: 10.5776, s: 0.6062, beta: 11.6679 };

  test('the published parameters give the published log-likelihood', () => {
    const ll = rows.reduce((s, c) => s + paretoNbdLogLik(published, c.x, c.t_x, c.T), 0);
    expect(ll).toBeCloseTo(-9594.98, 1);
  });

  test('the fit reproduces Fader, Hardie & Lee (2005) within 0.05%', () => {
    const { params, report } = fitParetoNbd(rows);
    for (const [k, v] of Object.entries(published)) expect(Math.abs(params[k as keyof typeof params] / v - 1), k).toBeLessThan(5e-4);
    expect(Math.abs(report.log_likelihood - -9594.98)).toBeLessThan(0.05);
    expect(report.converged).toBe(true);
    // CLVTools' standard errors: 0.0476, 0.843, 0.187, 6.21
    const se = report.standard_errors!;
    expect(se[0]).toBeCloseTo(0.0476, 3);
    expect(se[1]).toBeCloseTo(0.843, 2);
    expect(se[2]).toBeCloseTo(0.187, 2);
    expect(se[3]).toBeCloseTo(6.21, 1);
  });
});

describe('the modified BG/NBD on CDNOW', () => {
  // Batislam, Denizel & Filiztekin (2007); the BTYDplus fit that the Python lifetimes tests check to three decimals.
  const published = { r: 0.525, alpha: 6.183, a: 0.891, b: 1.614 };

  test('the fit reproduces the published parameters to three decimals', () => {
    const { params, report } = fitMbgNbd(rows);
    expect(params.r).toBeCloseTo(published.r, 3);
    expect(params.alpha).toBeCloseTo(published.alpha, 3);
    expect(params.a).toBeCloseTo(published.a, 3);
    expect(params.b).toBeCloseTo(published.b, 3);
    expect(report.converged).toBe(true);
    expect(report.degenerate).toEqual([]);
    // The per-customer likelihood summed agrees with the fit's total.
    expect(rows.reduce((s, c) => s + mbgnbdLogLik(params, c.x, c.t_x, c.T), 0)).toBeCloseTo(report.log_likelihood, 6);
  });
});
