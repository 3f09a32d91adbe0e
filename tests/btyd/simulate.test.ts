import { expect, test } from 'vitest';
import { fitBgNbd } from '../../pipeline/btyd/bgnbd.js';
import { simulateBgNbd } from '../../pipeline/btyd/simulate.js';
import { Random } from '../../pipeline/shared/random.js';

test('summaries drawn from BG/NBD are consistent histories, seeded, and the fit recovers the parameters behind them', () => {
  const truth = { r: 0.8, alpha: 6, a: 0.9, b: 3 };
  const sim = simulateBgNbd(truth, 4000, new Random(3), () => 52);
  expect(simulateBgNbd(truth, 10, new Random(3), () => 52)).toEqual(sim.slice(0, 10));
  for (const s of sim) {
    expect(s.t_x).toBeLessThanOrEqual(s.T);
    if (s.x === 0) expect(s.t_x).toBe(0);
  }
  const days = simulateBgNbd(truth, 200, new Random(4), () => 52, 1 / 7);
  expect(days.every((s) => Math.abs(s.t_x * 7 - Math.round(s.t_x * 7)) < 1e-9)).toBe(true);
  const { params, report } = fitBgNbd(sim);
  expect(report.converged).toBe(true);
  for (const k of ['r', 'alpha', 'a', 'b'] as const) {
    expect(params[k] / truth[k], k).toBeGreaterThan(0.6);
    expect(params[k] / truth[k], k).toBeLessThan(1.6);
  }
});
