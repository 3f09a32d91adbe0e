import { expect, test } from 'vitest';
import { lifetimeG, logTail, RhoNodes } from '../../pipeline/btyd/lifetimeIntegral.js';

const tail = (p: number, q: number, A: number, B: number) => {
  const lA = Math.log(A);
  const lB = Math.log(B);
  return logTail(p, q, lA, lB, new RhoNodes(-Math.abs(lA - lB)));
};

// ln of int_0^inf (A+u)^-p (B+u)^-q du, from its closed form in 2F1 computed by mpmath at 40 digits:
//   python3 -c "import mpmath as mp; mp.mp.dps=40; G=lambda p,q,r: mp.hyp2f1(q,1,p+q,1-r)/(p+q-1); ..."
// (A^(1-p) B^-q G(p, q, A/B) when A <= B, B^(1-q) A^-p G(q, p, B/A) otherwise): exponents from a
// customer with no repeat purchase to one with 400, rates from equal to twelve orders of magnitude apart.
const REFERENCE: [number, number, number, number, number][] = [
  [0.3, 1.6, 10.5, 11.6, -2.0865908031660179],
  [2.5, 1.2, 3, 50, -6.835368230919223],
  [60, 1.01, 50, 3, -236.21200525080353],
  [0.05, 1.02, 1e-6, 1e6, 1.6978553061132359],
  [400, 20, 10, 12, -974.45948480806152],
  [1.0, 1.001, 1, 1, -0.00099950033308342314],
  [7.3, 4, 1.5e-8, 40, 96.899791055682213],
];

test('the quadrature agrees with the closed form to 12 significant digits, whatever the parameters', () => {
  for (const [p, q, A, B, expected] of REFERENCE) {
    const got = tail(p, q, A, B).log;
    expect(Math.abs(got - expected) / Math.max(1, Math.abs(expected)), `p=${p} q=${q} A=${A} B=${B}`).toBeLessThan(1e-12);
  }
});

test('G(p, q, 1) is 1 / (p + q - 1) exactly, and the derivatives match central differences', () => {
  for (const [p, q] of [[2.5, 1.5], [0.3, 1.2], [60, 2]] as const) expect(lifetimeG(p, q, new RhoNodes(0)).g * (p + q - 1)).toBeCloseTo(1, 12);
  for (const [p, q, A, B] of [[0.3, 1.2, 3, 50], [60, 1.2, 50, 3], [2.5, 4, 1, 1e5]] as const) {
    const f = tail(p, q, A, B);
    const h = 1e-6;
    const d = (g: (e: number) => number) => (g(h) - g(-h)) / (2 * h);
    expect(f.dp).toBeCloseTo(d((e) => tail(p + e, q, A, B).log), 6);
    expect(f.dq).toBeCloseTo(d((e) => tail(p, q + e, A, B).log), 6);
    expect(f.dlA).toBeCloseTo(d((e) => tail(p, q, A * Math.exp(e), B).log), 6);
    expect(f.dlB).toBeCloseTo(d((e) => tail(p, q, A, B * Math.exp(e)).log), 6);
  }
});

test('one RhoNodes serves t after t: reset gives the same values as a fresh one', () => {
  const shared = new RhoNodes(0);
  for (const [A, B] of [[3, 50], [50, 3], [7, 7.5]] as const) {
    const lA = Math.log(A);
    const lB = Math.log(B);
    const fresh = logTail(1.7, 1.3, lA, lB, new RhoNodes(-Math.abs(lA - lB)));
    expect(logTail(1.7, 1.3, lA, lB, shared.reset(-Math.abs(lA - lB)))).toEqual(fresh);
  }
});
