import { expect, test } from 'vitest';
import { digamma, hyp2f1, lbeta, lgamma, logAddExp, logSubExp } from '../../pipeline/btyd/special.js';

test('lgamma and lbeta match known values, small arguments included', () => {
  expect(lgamma(1)).toBeCloseTo(0, 13);
  expect(lgamma(5)).toBeCloseTo(Math.log(24), 12);
  expect(lgamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
  expect(lgamma(0.1)).toBeCloseTo(2.252712651734206, 12);
  expect(lbeta(2, 3)).toBeCloseTo(Math.log(1 / 12), 12);
});

test('digamma matches known values', () => {
  expect(digamma(1)).toBeCloseTo(-0.5772156649015329, 13); // -Euler-Mascheroni
  expect(digamma(0.5)).toBeCloseTo(-1.9635100260214235, 13);
  expect(digamma(10)).toBeCloseTo(2.251752589066721, 13);
});

test('log-space sums do not overflow', () => {
  expect(logAddExp(1000, 1000)).toBeCloseTo(1000 + Math.log(2), 12);
  expect(logAddExp(-Infinity, 3)).toBe(3);
  expect(logSubExp(1000, 1000 - Math.log(2))).toBeCloseTo(1000 - Math.log(2), 12);
});

test('2F1 by its series: closed forms, and NaN when it cannot settle', () => {
  // 2F1(1, 1; 2; z) = -ln(1 - z) / z
  expect(hyp2f1(1, 1, 2, 0.5)).toBeCloseTo(-Math.log(0.5) / 0.5, 12);
  // 2F1(a, b; b; z) = (1 - z)^-a
  expect(hyp2f1(2.5, 3, 3, 0.3)).toBeCloseTo(Math.pow(0.7, -2.5), 12);
  expect(hyp2f1(1, 1, 2, 0)).toBe(1);
  expect(hyp2f1(5, 5, 1, 0.999999, 100)).toBeNaN();
});
