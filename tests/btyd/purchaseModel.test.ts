import { expect, test } from 'vitest';
import { bgnbdConditionalExpected, bgnbdPAlive } from '../../pipeline/btyd/bgnbd.js';
import { paretoNbdConditionalExpected, paretoNbdPAlive } from '../../pipeline/btyd/paretoNbd.js';
import { mbgnbdExpectedCurve, mbgnbdPAlive, mbgnbdProbabilityNoPurchase } from '../../pipeline/btyd/mbgnbd.js';
import { PARAMETER_NAMES, hasNoPurchaseProbability, parameterNames, purchaseModel } from '../../pipeline/btyd/purchaseModel.js';

test("each purchase model answers with its own formulas; only BG/NBD gives P(no purchase)", () => {
  const bg = { r: 0.24, alpha: 4.4, a: 0.79, b: 2.4 };
  const pn = { r: 0.55, alpha: 10.6, s: 0.61, beta: 11.7 };
  const b = purchaseModel('bgnbd', bg);
  const p = purchaseModel('pareto', pn);
  expect(b.pAlive(3, 20, 30)).toBe(bgnbdPAlive(bg, 3, 20, 30));
  expect(p.pAlive(3, 20, 30)).toBe(paretoNbdPAlive(pn, 3, 20, 30));
  expect(b.expected([13], 3, 20, 30)[0]).toBeCloseTo(bgnbdConditionalExpected(bg, 13, 3, 20, 30), 12);
  expect(p.expected([13], 3, 20, 30)[0]).toBeCloseTo(paretoNbdConditionalExpected(pn, 13, 3, 20, 30), 12);
  expect(b.pNoPurchase).toBeDefined();
  expect(p.pNoPurchase).toBeUndefined();
  expect(PARAMETER_NAMES.bgnbd).toEqual(['r', 'alpha', 'a', 'b']);
  expect(PARAMETER_NAMES.pareto).toEqual(['r', 'alpha', 's', 'beta']);
});

test('the modified BG/NBD and the penalized candidates answer with their family\'s formulas', () => {
  const bg = { r: 0.52, alpha: 6.2, a: 0.89, b: 1.61 };
  const m = purchaseModel('mbgnbd', bg);
  expect(m.pAlive(0, 0, 30)).toBe(mbgnbdPAlive(bg, 0, 0, 30));
  expect(m.pAlive(0, 0, 30)).toBeLessThan(1);
  expect(m.expected([13], 3, 20, 30)[0]).toBe(mbgnbdExpectedCurve(bg, [13], 3, 20, 30)[0]);
  expect(m.pNoPurchase!(13, 3, 20, 30)).toBe(mbgnbdProbabilityNoPurchase(bg, 13, 3, 20, 30));
  expect(purchaseModel('bgnbd_penalized', bg).pAlive(3, 20, 30)).toBe(bgnbdPAlive(bg, 3, 20, 30));
  expect(parameterNames('pareto_penalized')).toEqual(['r', 'alpha', 's', 'beta']);
  expect([hasNoPurchaseProbability('mbgnbd_penalized'), hasNoPurchaseProbability('pareto')]).toEqual([true, false]);
});

test('a curve scores each history as expected does, bit for bit, with the hypergeometric part shared by every t_x of an (x, T)', () => {
  const bg = { r: 0.24, alpha: 4.4, a: 0.79, b: 2.4 };
  const pn = { r: 0.55, alpha: 10.6, s: 0.61, beta: 11.7 };
  const ts = [12.9, 4.3, 8.7, 52.1];
  for (const [name, params] of [['bgnbd', bg], ['mbgnbd', bg], ['pareto', pn]] as const) {
    const model = purchaseModel(name, params);
    const curve = model.curve(ts);
    for (const x of [0, 1, 2, 7, 40]) {
      for (const T of [0.5, 3, 30.142857142857142, 120]) {
        for (const t_x of x === 0 ? [0] : [0, T / 3, T]) expect(curve(x, t_x, T)).toEqual(model.expected(ts, x, t_x, T));
      }
    }
  }
  // Past the brackets it keeps (200,000 pairs), the curve starts again and still answers the same.
  const curve = purchaseModel('mbgnbd', bg).curve([13]);
  const expected = purchaseModel('mbgnbd', bg);
  for (let k = 0; k < 200_100; k++) curve(k % 50, 0, 1 + k / 7);
  for (const [x, t_x, T] of [[3, 1, 2], [49, 100, 28_585], [0, 0, 1]] as const) expect(curve(x, t_x, T)).toEqual(expected.expected([13], x, t_x, T));
});
