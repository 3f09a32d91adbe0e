import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { bgnbdConditionalExpected, bgnbdExpected, bgnbdLogLik, bgnbdPAlive, fitBgNbd } from '../../pipeline/btyd/bgnbd.js';
import { fitGammaGamma, gammaGammaExpectedSpend } from '../../pipeline/btyd/gammaGamma.js';

// The published CDNOW sample summary (see tests/fixtures/cdnow/README.md).
const rows = readFileSync(new URL('../fixtures/cdnow/cdnow_customers_summary_with_transactions.csv', import.meta.url), 'utf8')
  .trim().split('\n').slice(1).map((line) => {
    const [id, x, t_x, T, zbar] = line.split(',').map(Number);
    return { id: id!, x: x!, t_x: t_x!, T: T!, mean_repeat_value: zbar! };
  });

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

describe('BG/NBD grouped likelihood', () => {
  test('equals the sum of the per-customer log-likelihoods', async () => {
    const { groupSummaries } = await import('../../pipeline/btyd/summary.js');
    const { bgnbdTotalLogLik } = await import('../../pipeline/btyd/bgnbd.js');
    const p = { r: 0.3, alpha: 5, a: 0.9, b: 2.1 };
    const direct = rows.reduce((s, c) => s + bgnbdLogLik(p, c.x, c.t_x, c.T), 0);
    expect(bgnbdTotalLogLik(p, groupSummaries(rows))).toBeCloseTo(direct, 6);
  });
});

describe('BG/NBD probability of no purchase in a period', () => {
  test('is 1 for an empty period, tends to 1 - P(alive), and is the gamma-Poisson zero for x = 0', async () => {
    const { bgnbdProbabilityNoPurchase } = await import('../../pipeline/btyd/bgnbd.js');
    const p = { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 };
    expect(bgnbdProbabilityNoPurchase(p, 0, 2, 30.43, 38.86)).toBeCloseTo(1, 12);
    expect(bgnbdProbabilityNoPurchase(p, 1e9, 2, 30.43, 38.86)).toBeCloseTo(1 - 0.7266, 3);
    expect(bgnbdProbabilityNoPurchase(p, 39, 0, 0, 38.86)).toBeCloseTo(Math.pow((4.4135 + 38.86) / (4.4135 + 38.86 + 39), 0.2426), 12);
  });
});

describe('Pareto/NBD on CDNOW', () => {
  const published = { r: 0.5533, alpha: 10.5776, s: 0.6062, beta: 11.6679 };

  test('the published parameters give the published log-likelihood', async () => {
    const { paretoNbdLogLik } = await import('../../pipeline/btyd/paretoNbd.js');
    const ll = rows.reduce((s, c) => s + paretoNbdLogLik(published, c.x, c.t_x, c.T), 0);
    expect(ll).toBeCloseTo(-9594.98, 1);
  });

  test('the fit reproduces Fader, Hardie & Lee (2005) within 0.05%', async () => {
    const { fitParetoNbd } = await import('../../pipeline/btyd/paretoNbd.js');
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

  test('the 2F1(a, b; a + 1; z) quadrature agrees with the series where both converge', async () => {
    const { hyp2f1APlusOne } = await import('../../pipeline/btyd/paretoNbd.js');
    const { hyp2f1 } = await import('../../pipeline/btyd/special.js');
    for (const [a, b, z] of [[3.5, 1.6, 0.75], [12.2, 5.1, 0.8], [1.2, 0.6, 0.95], [40, 2, 0.9], [0.6, 3.3, 0.99], [2.5, 0.8, 0.999]] as const) {
      expect(Math.abs(hyp2f1APlusOne(a, b, z) / hyp2f1(a, b, a + 1, z) - 1)).toBeLessThan(1e-10);
    }
  });
});

describe('analytic gradients', () => {
  test('the BG/NBD gradient matches central differences of the log-likelihood', async () => {
    const { groupSummaries } = await import('../../pipeline/btyd/summary.js');
    const { bgnbdGradient, bgnbdTotalLogLik } = await import('../../pipeline/btyd/bgnbd.js');
    const g = groupSummaries(rows);
    const p = { r: 0.3, alpha: 5, a: 0.9, b: 2.1 };
    const keys = ['r', 'alpha', 'a', 'b'] as const;
    const analytic = bgnbdGradient(p, g);
    keys.forEach((k, i) => {
      const h = 1e-6 * p[k];
      const numeric = (bgnbdTotalLogLik({ ...p, [k]: p[k] + h }, g) - bgnbdTotalLogLik({ ...p, [k]: p[k] - h }, g)) / (2 * h);
      expect(analytic[i]! / numeric - 1, k).toBeLessThan(1e-6);
    });
  });

  test('digamma matches known values', async () => {
    const { digamma } = await import('../../pipeline/btyd/special.js');
    expect(digamma(1)).toBeCloseTo(-0.5772156649015329, 13); // -Euler-Mascheroni
    expect(digamma(0.5)).toBeCloseTo(-1.9635100260214235, 13);
    expect(digamma(10)).toBeCloseTo(2.251752589066721, 13);
  });
});

test('the grouped Pareto/NBD likelihood equals the sum of the per-customer ones', async () => {
  const { groupSummaries } = await import('../../pipeline/btyd/summary.js');
  const { paretoNbdLogLik, paretoNbdTotalLogLik, prepareParetoGroups } = await import('../../pipeline/btyd/paretoNbd.js');
  for (const p of [{ r: 0.55, alpha: 10.6, s: 0.61, beta: 11.7 }, { r: 0.4, alpha: 12, s: 0.8, beta: 3 }]) {
    const direct = rows.reduce((s, c) => s + paretoNbdLogLik(p, c.x, c.t_x, c.T), 0);
    expect(paretoNbdTotalLogLik(p, prepareParetoGroups(groupSummaries(rows)))).toBeCloseTo(direct, 6);
  }
});

test('the expected-purchase curves equal the one-horizon formulas', async () => {
  const { bgnbdConditionalExpected, bgnbdExpectedCurve } = await import('../../pipeline/btyd/bgnbd.js');
  const { paretoNbdConditionalExpected, paretoNbdExpectedCurve } = await import('../../pipeline/btyd/paretoNbd.js');
  const bg = { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 };
  const pn = { r: 0.5533, alpha: 10.5776, s: 0.6062, beta: 11.6679 };
  const ts = [1, 13, 39, 52];
  for (const [x, t_x, T] of [[0, 0, 38.86], [2, 30.43, 38.86], [7, 20, 30]] as const) {
    bgnbdExpectedCurve(bg, ts, x, t_x, T).forEach((v, i) => expect(v).toBeCloseTo(bgnbdConditionalExpected(bg, ts[i]!, x, t_x, T), 12));
    paretoNbdExpectedCurve(pn, ts, x, t_x, T).forEach((v, i) => expect(v).toBeCloseTo(paretoNbdConditionalExpected(pn, ts[i]!, x, t_x, T), 12));
  }
});
