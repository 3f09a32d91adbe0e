import { describe, expect, test } from 'vitest';
import { Budget, bfgs, gradient, hessian, hessianFromGradient, invert, nelderMead } from '../../pipeline/btyd/optimize.js';

const rosenbrock = ([x, y]: number[]) => (1 - x!) ** 2 + 100 * (y! - x! ** 2) ** 2;
const rosenbrockGradient = ([x, y]: number[]) => [-2 * (1 - x!) - 400 * x! * (y! - x! ** 2), 200 * (y! - x! ** 2)];

describe('minimisers', () => {
  test('Nelder-Mead and BFGS find the minimum of the Rosenbrock valley', () => {
    const nm = nelderMead(rosenbrock, [-1.2, 1]);
    expect(nm.converged).toBe(true);
    expect(nm.x[0]).toBeCloseTo(1, 4);
    expect(nm.x[1]).toBeCloseTo(1, 4);
    const bf = bfgs(rosenbrock, [-1.2, 1], { gradient: rosenbrockGradient });
    expect(bf.converged).toBe(true);
    expect(bf.x[0]).toBeCloseTo(1, 5);
  });

  test('a budget of evaluations stops either one at the same point on every run, with a warning', () => {
    const run = () => nelderMead(rosenbrock, [-1.2, 1], { budget: new Budget(60, 60) });
    const a = run();
    expect(a.converged).toBe(false);
    expect(a.warnings).toContain('Nelder-Mead stopped at the limit of 60 likelihood evaluations');
    expect(run().x).toEqual(a.x);
    const budget = new Budget(10, 60);
    const b = bfgs(rosenbrock, [-1.2, 1], { gradient: rosenbrockGradient, budget });
    expect(b.warnings.some((w) => w.startsWith('BFGS stopped at the limit of 10'))).toBe(true);
    expect(budget.used).toBeLessThanOrEqual(14);
  });

  test('a time limit stops a slow objective', () => {
    const slow = (x: number[]) => {
      const until = performance.now() + 2;
      while (performance.now() < until);
      return rosenbrock(x);
    };
    const started = performance.now();
    const r = nelderMead(slow, [-1.2, 1], { budget: new Budget(1e9, 0.3) });
    expect(performance.now() - started).toBeLessThan(1500);
    expect(r.warnings).toContain('Nelder-Mead stopped at the time limit of 0.3 s');
  });
});

describe('derivatives', () => {
  test('numerical gradient and Hessians match the closed forms of a quadratic; the inverse inverts', () => {
    const f = ([x, y]: number[]) => 3 * x! ** 2 + 2 * x! * y! + 5 * y! ** 2;
    const g = ([x, y]: number[]) => [6 * x! + 2 * y!, 2 * x! + 10 * y!];
    const at = [0.7, -0.3];
    gradient(f, at).forEach((v, i) => expect(v).toBeCloseTo(g(at)[i]!, 6));
    for (const H of [hessian(f, at), hessianFromGradient(g, at)]) {
      expect(H[0]![0]).toBeCloseTo(6, 4);
      expect(H[0]![1]).toBeCloseTo(2, 4);
      expect(H[1]![1]).toBeCloseTo(10, 4);
    }
    const inv = invert([[6, 2], [2, 10]])!;
    expect(inv[0]![0]! * 6 + inv[0]![1]! * 2).toBeCloseTo(1, 12);
    expect(invert([[1, 2], [2, 4]])).toBeNull();
  });
});
