import { describe, expect, test } from 'vitest';
import {
  fitParetoNbd, hyp2f1APlusOne, paretoNbdConditionalExpected, paretoNbdExpectedCurve, paretoNbdLogLik, paretoNbdPAlive, paretoNbdTotalLogLik,
  prepareParetoGroups,
} from '../../pipeline/btyd/paretoNbd.js';
import { hyp2f1 } from '../../pipeline/btyd/special.js';
import { groupSummaries } from '../../pipeline/btyd/summary.js';
import { cdnowSummaryRows } from '../helpers/cdnow.js';

const rows = cdnowSummaryRows();
const cdnow = { r: 0.5533, alpha: 10.5776, s: 0.6062, beta: 11.6679 };

describe('the Pareto/NBD likelihood', () => {
  test('grouped by distinct (x, t) pairs, it equals the sum of the per-customer ones', () => {
    for (const p of [cdnow, { r: 0.4, alpha: 12, s: 0.8, beta: 3 }]) {
      const direct = rows.reduce((s, c) => s + paretoNbdLogLik(p, c.x, c.t_x, c.T), 0);
      expect(paretoNbdTotalLogLik(p, prepareParetoGroups(groupSummaries(rows)))).toBeCloseTo(direct, 6);
    }
  });

  test('the 2F1(a, b; a + 1; z) quadrature agrees with the series where both converge', () => {
    for (const [a, b, z] of [[3.5, 1.6, 0.75], [12.2, 5.1, 0.8], [1.2, 0.6, 0.95], [40, 2, 0.9], [0.6, 3.3, 0.99], [2.5, 0.8, 0.999]] as const) {
      expect(Math.abs(hyp2f1APlusOne(a, b, z) / hyp2f1(a, b, a + 1, z) - 1)).toBeLessThan(1e-10);
    }
  });

  test('pairs are shared: customers with the same (x, t_x) and (x, T) cost one hypergeometric each', () => {
    const pg = prepareParetoGroups(groupSummaries([{ x: 1, t_x: 2, T: 5 }, { x: 1, t_x: 2, T: 6 }, { x: 1, t_x: 5, T: 6 }]));
    // (1,2), (1,5), (1,6): three distinct pairs for three groups.
    expect(pg.pairX.length).toBe(3);
  });
});

describe('the Pareto/NBD predictions', () => {
  test('P(alive) falls with silence and the expected-purchase curve equals the one-horizon formula', () => {
    expect(paretoNbdPAlive(cdnow, 4, 38, 39)).toBeGreaterThan(paretoNbdPAlive(cdnow, 4, 10, 39));
    const ts = [1, 13, 39, 52];
    for (const [x, t_x, T] of [[0, 0, 38.86], [2, 30.43, 38.86], [7, 20, 30]] as const) {
      paretoNbdExpectedCurve(cdnow, ts, x, t_x, T).forEach((v, i) => expect(v).toBeCloseTo(paretoNbdConditionalExpected(cdnow, ts[i]!, x, t_x, T), 12));
    }
  });
});

test('a population that never returns is fitted within the bounded budget, never throwing', () => {
  const nobodyReturns = Array.from({ length: 50 }, (_, i) => ({ x: 0, t_x: 0, T: 10 + (i % 5) }));
  const started = performance.now();
  const { params, report } = fitParetoNbd(nobodyReturns);
  expect(performance.now() - started).toBeLessThan(10_000);
  expect(Object.values(params).every((v) => Number.isFinite(v) && v > 0)).toBe(true);
  expect(report.warnings.length).toBeGreaterThan(0);
});
