import { describe, expect, test } from 'vitest';
import {
  fitParetoNbd, paretoNbdConditionalExpected, paretoNbdEvaluate, paretoNbdExpectedCurve, paretoNbdLogLik, paretoNbdPAlive, paretoNbdTotalLogLik,
  prepareParetoGroups,
} from '../../pipeline/btyd/paretoNbd.js';
import { groupSummaries } from '../../pipeline/btyd/summary.js';
import { cdnowSummaryRows } from '../helpers/cdnow.js';

const rows = cdnowSummaryRows();
const cdnow = { r: 0.5533, alpha: 10.5776, s: 0.6062, beta: 11.6679 };
const groups = prepareParetoGroups(groupSummaries(rows));

describe('the Pareto/NBD likelihood', () => {
  test('grouped by distinct (x, t) pairs, it equals the sum of the per-customer ones', () => {
    for (const p of [cdnow, { r: 0.4, alpha: 12, s: 0.8, beta: 3 }, { r: 2, alpha: 0.5, s: 0.01, beta: 1e-6 }]) {
      const direct = rows.reduce((s, c) => s + paretoNbdLogLik(p, c.x, c.t_x, c.T), 0);
      expect(paretoNbdTotalLogLik(p, groups)).toBeCloseTo(direct, 6);
    }
  });

  test('its gradient, from the same pass, matches central differences, far from the optimum too', () => {
    const names = ['r', 'alpha', 's', 'beta'] as const;
    for (const p of [cdnow, { r: 0.4, alpha: 12, s: 0.8, beta: 3 }, { r: 3, alpha: 40, s: 0.05, beta: 2000 }]) {
      const { gradient } = paretoNbdEvaluate(p, groups);
      names.forEach((k, i) => {
        const h = 1e-6 * p[k];
        const up = paretoNbdTotalLogLik({ ...p, [k]: p[k] + h }, groups);
        const down = paretoNbdTotalLogLik({ ...p, [k]: p[k] - h }, groups);
        expect(gradient[i]).toBeCloseTo((up - down) / (2 * h), 1);
      });
    }
  });

  test('pairs are shared: customers with the same (x, t_x) and (x, T) cost one integral each', () => {
    const pg = prepareParetoGroups(groupSummaries([{ x: 1, t_x: 2, T: 5 }, { x: 1, t_x: 2, T: 6 }, { x: 1, t_x: 5, T: 6 }]));
    // (1,2), (1,5), (1,6): three distinct pairs for three groups, in order of t.
    expect(Array.from(pg.pairT)).toEqual([2, 5, 6]);
  });
});

describe('the Pareto/NBD predictions', () => {
  test('P(alive) falls with silence and the expected-purchase curve equals the one-horizon formula', () => {
    expect(paretoNbdPAlive(cdnow, 4, 38, 39)).toBeGreaterThan(paretoNbdPAlive(cdnow, 4, 10, 39));
    // A purchase on the last day: alive for sure.
    expect(paretoNbdPAlive(cdnow, 4, 39, 39)).toBe(1);
    const ts = [1, 13, 39, 52];
    for (const [x, t_x, T] of [[0, 0, 38.86], [2, 30.43, 38.86], [7, 20, 30]] as const) {
      paretoNbdExpectedCurve(cdnow, ts, x, t_x, T).forEach((v, i) => expect(v).toBeCloseTo(paretoNbdConditionalExpected(cdnow, ts[i]!, x, t_x, T), 12));
    }
  });
});

describe('degenerate histories', () => {
  test('a population that never returns is fitted within the bounded budget and said to be uninformative', () => {
    const nobodyReturns = Array.from({ length: 50 }, (_, i) => ({ x: 0, t_x: 0, T: 10 + (i % 5) }));
    const { params, report } = fitParetoNbd(nobodyReturns);
    expect(Object.values(params).every((v) => Number.isFinite(v) && v > 0)).toBe(true);
    expect(report.degenerate.map((d) => d.issue)).toContain('no_dropout');
    expect(report.degenerate[0]!.message).toBe('no customer has bought twice: purchase rates and dropout cannot be told apart, and P(alive) is not informative');
    expect(report.standard_errors).toBeNull();
  });
});
