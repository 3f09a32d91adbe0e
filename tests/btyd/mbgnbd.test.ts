import { describe, expect, test } from 'vitest';
import { bgnbdPAlive } from '../../pipeline/btyd/bgnbd.js';
import {
  fitMbgNbd, mbgnbdEvaluate, mbgnbdExpected, mbgnbdExpectedCurve, mbgnbdLogLik, mbgnbdPAlive, mbgnbdProbabilityNoPurchase,
} from '../../pipeline/btyd/mbgnbd.js';
import { simulateBgNbd } from '../../pipeline/btyd/simulate.js';
import { groupSummaries } from '../../pipeline/btyd/summary.js';
import { Random } from '../../pipeline/shared/random.js';
import { cdnowSummaryRows } from '../helpers/cdnow.js';

const rows = cdnowSummaryRows();
const published = { r: 0.525, alpha: 6.183, a: 0.891, b: 1.614 };

describe('the modified BG/NBD likelihood', () => {
  test('grouped, it is the sum of the per-customer likelihoods, and its gradient matches central differences', () => {
    const g = groupSummaries(rows);
    for (const p of [published, { r: 2, alpha: 30, a: 0.05, b: 8 }]) {
      const { logLik, gradient } = mbgnbdEvaluate(p, g);
      expect(logLik).toBeCloseTo(rows.reduce((s, c) => s + mbgnbdLogLik(p, c.x, c.t_x, c.T), 0), 6);
      (['r', 'alpha', 'a', 'b'] as const).forEach((k, i) => {
        const h = 1e-6 * p[k];
        const d = (mbgnbdEvaluate({ ...p, [k]: p[k] + h }, g).logLik - mbgnbdEvaluate({ ...p, [k]: p[k] - h }, g).logLik) / (2 * h);
        expect(gradient[i]).toBeCloseTo(d, 2);
      });
    }
  });

  test('the fit recovers the parameters of histories drawn from its own process', () => {
    const truth = { r: 0.7, alpha: 5, a: 0.6, b: 2.5 };
    const rng = new Random(11);
    const sim = simulateBgNbd(truth, 20_000, rng, () => 20 + rng.uniform() * 50, 0, true);
    const { params, report } = fitMbgNbd(sim);
    expect(report.converged).toBe(true);
    for (const k of ['r', 'alpha', 'a', 'b'] as const) {
      expect(params[k] / truth[k], k).toBeGreaterThan(0.8);
      expect(params[k] / truth[k], k).toBeLessThan(1.25);
    }
  });
});

describe('the modified BG/NBD predictions', () => {
  test('a customer who never came back can be gone, unlike under BG/NBD, and more likely so the longer ago', () => {
    expect(bgnbdPAlive(published, 0, 0, 40)).toBe(1);
    const early = mbgnbdPAlive(published, 0, 0, 5);
    const late = mbgnbdPAlive(published, 0, 0, 60);
    expect(early).toBeLessThan(1);
    expect(late).toBeLessThan(early);
    // A long silence after a rhythm of purchases is worse than a short one.
    expect(mbgnbdPAlive(published, 8, 10, 60)).toBeLessThan(mbgnbdPAlive(published, 8, 55, 60));
  });

  test('for a customer just acquired the conditional curve is the unconditional expectation; P(no purchase) is consistent with P(alive)', () => {
    for (const t of [1, 13, 39, 78]) expect(mbgnbdExpectedCurve(published, [t], 0, 0, 0)[0]).toBeCloseTo(mbgnbdExpected(published, t), 10);
    const [x, t_x, T, t] = [3, 20, 39, 13];
    const alive = mbgnbdPAlive(published, x, t_x, T);
    const quiet = Math.pow((published.alpha + T) / (published.alpha + T + t), published.r + x);
    expect(mbgnbdProbabilityNoPurchase(published, t, x, t_x, T)).toBeCloseTo(1 - alive + alive * quiet, 12);
    // Expected purchases grow with the horizon.
    const curve = mbgnbdExpectedCurve(published, [4, 13, 26, 52], x, t_x, T);
    for (let i = 1; i < curve.length; i++) expect(curve[i]!).toBeGreaterThan(curve[i - 1]!);
  });
});
