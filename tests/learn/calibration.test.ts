import { expect, test } from 'vitest';
import { Random } from '../../pipeline/shared/random.js';
import { applyPlatt, fitPlatt, platt } from '../../pipeline/learn/calibration.js';
import { brier } from '../../pipeline/shared/metrics.js';
import { calibrationTable } from '../../pipeline/shared/evaluation.js';

test('Platt scaling lowers the Brier score of overconfident probabilities and restores their meaning', () => {
  const rng = new Random(3);
  const n = 20_000;
  const truth = Float64Array.from({ length: n }, () => 0.05 + 0.9 * rng.uniform());
  const label = Float64Array.from(truth, (p) => (rng.bernoulli(p) ? 1 : 0));
  // Built to be miscalibrated: pushed towards 0 and 1 (logit x 3) and shifted up.
  const logit = (p: number) => Math.log(p / (1 - p));
  const skewed = Float64Array.from(truth, (p) => 1 / (1 + Math.exp(-(3 * logit(p) + 1))));
  const scaling = fitPlatt(skewed, label);
  const calibrated = applyPlatt(scaling, skewed);
  expect(brier(calibrated, label)).toBeLessThan(brier(skewed, label) - 0.01);
  expect(scaling.a).toBeCloseTo(1 / 3, 1);
  for (const row of calibrationTable(calibrated, label)) expect(Math.abs(row.mean_predicted! - row.observed_rate!)).toBeLessThan(0.03);
});

test('platt calibrates one probability as applyPlatt does a list, the clamped ends included', () => {
  const s = { a: 1.04, b: -0.04 };
  const ps = [0, 1e-9, 0.01, 0.3, 0.5, 0.97, 1 - 1e-9, 1];
  const listed = applyPlatt(s, ps);
  ps.forEach((p, i) => expect(platt(s, p)).toBe(listed[i]));
  // by hand: sigmoid(a logit(0.3) + b)
  expect(platt(s, 0.3)).toBeCloseTo(1 / (1 + Math.exp(-(1.04 * Math.log(0.3 / 0.7) - 0.04))), 12);
});
