import { expect, test } from 'vitest';
import { fitGammaGamma, gammaGammaExpectedSpend, gammaGammaLogLik } from '../../pipeline/btyd/gammaGamma.js';
import { lgamma } from '../../pipeline/btyd/special.js';

const p = { p: 6.25, q: 3.74, gamma: 15.44 };

test('the expected order value shrinks a customer\'s mean toward the population mean, more for fewer purchases', () => {
  const population = (p.p * p.gamma) / (p.q - 1);
  expect(gammaGammaExpectedSpend(p, 0, NaN)).toBeCloseTo(population, 12);
  const one = gammaGammaExpectedSpend(p, 1, 100);
  const many = gammaGammaExpectedSpend(p, 20, 100);
  expect(one).toBeGreaterThan(population);
  expect(one).toBeLessThan(many);
  expect(many).toBeLessThan(100);
  // (p (gamma + x zbar)) / (p x + q - 1), by hand for x = 2, zbar = 50.
  expect(gammaGammaExpectedSpend(p, 2, 50)).toBeCloseTo((6.25 * (15.44 + 100)) / (12.5 + 2.74), 12);
});

test('a repeat customer whose net repeat spend is not positive is worth nothing a purchase and is left out of the fit', () => {
  expect(gammaGammaExpectedSpend(p, 3, 0)).toBe(0);
  expect(gammaGammaExpectedSpend(p, 3, -10)).toBe(0);
  const fit = fitGammaGamma([{ x: 2, mean_repeat_value: 24 }, { x: 1, mean_repeat_value: 0 }, { x: 3, mean_repeat_value: 31 }]);
  expect(fit.report.warnings.some((w) => w.startsWith('1 repeat customers with zero or negative net repeat spend'))).toBe(true);
  expect(fit.report.warnings).toContain('only 2 repeat customers: the spend model is weak');
});

test('the log-likelihood of one customer is the published formula', () => {
  const x = 3;
  const z = 20;
  const expected = lgamma(p.p * x + p.q) - lgamma(p.p * x) - lgamma(p.q) + p.q * Math.log(p.gamma) + (p.p * x - 1) * Math.log(z)
    + p.p * x * Math.log(x) - (p.p * x + p.q) * Math.log(p.gamma + x * z);
  expect(gammaGammaLogLik(p, x, z)).toBeCloseTo(expected, 12);
});

test('a spend model with no finite mean (q <= 1) says so and gives a new customer the repeat customers\' mean', () => {
  const params = { p: 2, q: 0.7, gamma: 5, fallback_order_value: 42 };
  expect(gammaGammaExpectedSpend(params, 0, 0)).toBe(42);
  expect(gammaGammaExpectedSpend(params, 3, 30)).toBeCloseTo((2 * (5 + 90)) / (6 + 0.7 - 1), 12);
});
