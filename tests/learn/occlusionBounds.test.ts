import { beforeAll, expect, test } from 'vitest';
import { applyPlatt, platt } from '../../pipeline/learn/calibration.js';
import { buildMlp, predict, trainNetwork, type Matrix } from '../../pipeline/learn/network.js';
import { denseStack, OcclusionBounder } from '../../pipeline/learn/occlusionBounds.js';
import { initBackend, tf } from '../../pipeline/learn/tfBackend.js';
import { Random } from '../../pipeline/shared/random.js';

beforeAll(async () => {
  await initBackend();
});

/**
 * Inputs shaped like the preprocessor's: standardised numbers clipped to a
 * few deviations (some far out, as extreme customers are), missing-value
 * indicators and one-hot categories, 20 columns in all.
 */
function inputs(n: number, seed: number): Matrix {
  const rng = new Random(seed);
  const cols = 20;
  const data = new Float32Array(n * cols);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 14; j++) data[i * cols + j] = Math.max(-4, Math.min(9, rng.normal() * (j % 3 === 0 ? 2.5 : 1)));
    // a missing-value indicator (its value column left at 0, as transform does)
    if (rng.bernoulli(0.2)) {
      data[i * cols + 13] = 0;
      data[i * cols + 14] = 1;
    }
    data[i * cols + 15 + rng.int(5)] = 1;
  }
  return { data, rows: n, cols };
}

/** The groups of columns and the baseline (0 for the numbers, the first category). */
const groups = [[0, 1, 2], [3, 4], [5], [6, 7, 8, 9], [10, 11], [13, 14], [15, 16, 17, 18, 19]];
const baseline = new Float32Array(20);
baseline[15] = 1;

/** The network run on a row and on its copies: what score/reasons.ts did for everyone before the bounds. */
function copies(x: Matrix, row: number): Matrix {
  const data = new Float32Array((groups.length + 1) * x.cols);
  for (let g = 0; g <= groups.length; g++) {
    data.set(x.data.subarray(row * x.cols, (row + 1) * x.cols), g * x.cols);
    if (g > 0) for (const c of groups[g - 1]!) data[g * x.cols + c] = baseline[c]!;
  }
  return { data, rows: groups.length + 1, cols: x.cols };
}

async function trained(hidden: number[], seed: number) {
  const rng = new Random(seed);
  const make = (n: number, s: number) => {
    const x = inputs(n, s);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) y[i] = x.data[i * 20]! - 0.7 * x.data[i * 20 + 3]! + 0.5 * x.data[i * 20 + 16]! + 0.5 * rng.normal() > 0 ? 1 : 0;
    return { x, y: { data: y, rows: n, cols: 1 } };
  };
  const fit = make(1500, seed + 1);
  const val = make(400, seed + 2);
  return (await trainNetwork(fit.x, fit.y, val.x, val.y, { hidden, outputs: 1, activation: 'sigmoid', loss: 'binaryCrossentropy', seed, maxEpochs: 8, batchSize: 64 })).model;
}

for (const hidden of [[], [16], [8, 4]]) {
  test(`a trained network with hidden layers [${hidden.join(', ')}]: every probability the backend computes, own and occluded, lies within its bounds, and the bounds are narrow`, async () => {
    const model = await trained(hidden, 7 + hidden.length);
    const stack = denseStack(model);
    expect(stack).not.toBeNull();
    const calibration = { a: 1.3, b: -0.2 };
    const bounder = new OcclusionBounder(stack!, groups, baseline, calibration);
    const x = inputs(300, 99);
    const out = { lo: new Float64Array(groups.length + 1), hi: new Float64Array(groups.length + 1) };
    let widest = 0;
    for (let row = 0; row < x.rows; row++) {
      bounder.bound(x.data, x.cols, row, out);
      const exact = applyPlatt(calibration, predict(model, copies(x, row)));
      for (let g = 0; g <= groups.length; g++) {
        expect(exact[g]!, `row ${row}, copy ${g}`).toBeGreaterThanOrEqual(out.lo[g]!);
        expect(exact[g]!, `row ${row}, copy ${g}`).toBeLessThanOrEqual(out.hi[g]!);
        widest = Math.max(widest, out.hi[g]! - out.lo[g]!);
      }
    }
    // Narrow enough to decide nearly every comparison of effects (0.01 apart), yet wider than float32's rounding.
    expect(widest).toBeLessThan(1e-3);
    expect(widest).toBeGreaterThan(1e-9);
  });
}

test('the bounds hold the exact sums: a network computed here in float64 sits inside them, and a wrong weight does not', () => {
  // hidden [2], weights chosen by hand: the exact figures are computed below, independently of the backend
  const model = buildMlp(3, { hidden: [2], outputs: 1, activation: 'sigmoid', seed: 1 });
  const w1 = [0.5, -1, 2, 0.25, -0.75, 1.5];
  const b1 = [0.1, -0.2].map(Math.fround);
  const w2 = [1.2, -0.8];
  const b2 = [0.05].map(Math.fround);
  model.setWeights([tf.tensor2d(w1, [3, 2]), tf.tensor1d(b1), tf.tensor2d(w2, [2, 1]), tf.tensor1d(b2)]);
  const x = Float32Array.from([0.3, -1.1, 2.0]);
  const exact = (v: number[]) => {
    const h = [0, 1].map((j) => Math.max(0, b1[j]! + v.reduce((s, xi, i) => s + xi * Math.fround(w1[i * 2 + j]!), 0)));
    const z = b2[0]! + h[0]! * Math.fround(w2[0]!) + h[1]! * Math.fround(w2[1]!);
    return platt({ a: 1, b: 0 }, 1 / (1 + Math.exp(-z)));
  };
  const own = exact(Array.from(x));
  const occluded = exact([x[0]!, 0, 0]); // group [1, 2] at the baseline 0
  const bounder = new OcclusionBounder(denseStack(model)!, [[1, 2]], new Float32Array(3), { a: 1, b: 0 });
  const out = { lo: new Float64Array(2), hi: new Float64Array(2) };
  bounder.bound(x, 3, 0, out);
  expect(own).toBeGreaterThan(out.lo[0]!);
  expect(own).toBeLessThan(out.hi[0]!);
  expect(occluded).toBeGreaterThan(out.lo[1]!);
  expect(occluded).toBeLessThan(out.hi[1]!);
  // a copy computed with another weight is outside
  const wrong = (() => {
    const saved = w2[0]!;
    w2[0] = saved + 0.01;
    const v = exact([x[0]!, 0, 0]);
    w2[0] = saved;
    return v;
  })();
  expect(wrong < out.lo[1]! || wrong > out.hi[1]!).toBe(true);
});

test('networks the bounds do not cover are left to run: a linear output, a two-unit output, a deep one', () => {
  expect(denseStack(buildMlp(5, { hidden: [4], outputs: 1, activation: 'linear', seed: 1 }))).toBeNull();
  expect(denseStack(buildMlp(5, { hidden: [4], outputs: 2, activation: 'sigmoid', seed: 1 }))).toBeNull();
  // later layers of 64 x 32 multiply-adds per copy: running the network is cheaper
  expect(denseStack(buildMlp(5, { hidden: [64, 32], outputs: 1, activation: 'sigmoid', seed: 1 }))).toBeNull();
  expect(denseStack(buildMlp(5, { hidden: [16], outputs: 1, activation: 'sigmoid', seed: 1 }))).not.toBeNull();
});
