import { describe, expect, test } from 'vitest';
import {
  bgnbdConditionalExpected, bgnbdExpectedCurve, bgnbdGradient, bgnbdLogLik, bgnbdPAlive, bgnbdProbabilityNoPurchase, bgnbdTotalLogLik, fitBgNbd,
} from '../../pipeline/btyd/bgnbd.js';
import { groupSummaries } from '../../pipeline/btyd/summary.js';
import { cdnowSummaryRows } from '../helpers/cdnow.js';

const rows = cdnowSummaryRows();
const cdnow = { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 };

describe('the BG/NBD likelihood', () => {
  test('grouped, it equals the sum of the per-customer log-likelihoods', () => {
    const p = { r: 0.3, alpha: 5, a: 0.9, b: 2.1 };
    const direct = rows.reduce((s, c) => s + bgnbdLogLik(p, c.x, c.t_x, c.T), 0);
    expect(bgnbdTotalLogLik(p, groupSummaries(rows))).toBeCloseTo(direct, 6);
  });

  test('its analytic gradient matches central differences', () => {
    const g = groupSummaries(rows);
    const p = { r: 0.3, alpha: 5, a: 0.9, b: 2.1 };
    const keys = ['r', 'alpha', 'a', 'b'] as const;
    const analytic = bgnbdGradient(p, g);
    keys.forEach((k, i) => {
      const h = 1e-6 * p[k];
      const numeric = (bgnbdTotalLogLik({ ...p, [k]: p[k] + h }, g) - bgnbdTotalLogLik({ ...p, [k]: p[k] - h }, g)) / (2 * h);
      expect(Math.abs(analytic[i]! / numeric - 1), k).toBeLessThan(1e-6);
    });
  });

  test('a customer with no repeat purchase is the gamma-Poisson zero: r ln(alpha / (alpha + T))', () => {
    expect(bgnbdLogLik(cdnow, 0, 0, 30)).toBeCloseTo(cdnow.r * Math.log(cdnow.alpha / (cdnow.alpha + 30)), 12);
  });
});

describe('the BG/NBD predictions', () => {
  test('P(alive) is 1 without repeat purchases and falls with silence', () => {
    expect(bgnbdPAlive(cdnow, 0, 0, 50)).toBe(1);
    const recent = bgnbdPAlive(cdnow, 4, 38, 39);
    const silent = bgnbdPAlive(cdnow, 4, 10, 39);
    expect(recent).toBeGreaterThan(silent);
    expect(silent).toBeGreaterThan(0);
  });

  test('P(no purchase in a period) is 1 for an empty period, tends to 1 - P(alive), and is the gamma-Poisson zero for x = 0', () => {
    expect(bgnbdProbabilityNoPurchase(cdnow, 0, 2, 30.43, 38.86)).toBeCloseTo(1, 12);
    expect(bgnbdProbabilityNoPurchase(cdnow, 1e9, 2, 30.43, 38.86)).toBeCloseTo(1 - 0.7266, 3);
    expect(bgnbdProbabilityNoPurchase(cdnow, 39, 0, 0, 38.86)).toBeCloseTo(Math.pow((4.4135 + 38.86) / (4.4135 + 38.86 + 39), 0.2426), 12);
  });

  test('the expected-purchase curve equals the one-horizon formula at every point, and grows with the horizon', () => {
    const ts = [1, 13, 39, 52];
    for (const [x, t_x, T] of [[0, 0, 38.86], [2, 30.43, 38.86], [7, 20, 30]] as const) {
      const curve = bgnbdExpectedCurve(cdnow, ts, x, t_x, T);
      curve.forEach((v, i) => expect(v).toBeCloseTo(bgnbdConditionalExpected(cdnow, ts[i]!, x, t_x, T), 12));
      expect([...curve].sort((a, b) => a - b)).toEqual(curve);
    }
  });
});

describe('fitting', () => {
  test('data where nobody returns never throws: the fit reports instead', () => {
    const nobodyReturns = Array.from({ length: 50 }, (_, i) => ({ x: 0, t_x: 0, T: 10 + (i % 5) }));
    const { params, report } = fitBgNbd(nobodyReturns);
    expect(Object.values(params).every((v) => Number.isFinite(v) && v > 0)).toBe(true);
    expect(report.warnings.length).toBeGreaterThan(0);
  });
});
