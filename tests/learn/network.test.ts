import { beforeAll, expect, test } from 'vitest';
import { Random } from '../../pipeline/shared/random.js';
import { buildMlp, initializerSeed, predict, predictRows, trainEpoch, trainNetwork, type Matrix, type NetworkOptions } from '../../pipeline/learn/network.js';
import { initBackend, tf } from '../../pipeline/learn/tfBackend.js';
import { zilnLoss } from '../../pipeline/learn/ziln.js';

beforeAll(async () => {
  await initBackend();
});

/** A separable problem: y = 1 when x0 + 0.5 x1 > 0, with noise. */
function dataset(n: number, seed: number): { x: Matrix; y: Matrix } {
  const rng = new Random(seed);
  const x = new Float32Array(n * 3);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 3; j++) x[i * 3 + j] = rng.normal();
    y[i] = x[i * 3]! + 0.5 * x[i * 3 + 1]! + 0.3 * rng.normal() > 0 ? 1 : 0;
  }
  return { x: { data: x, rows: n, cols: 3 }, y: { data: y, rows: n, cols: 1 } };
}

const train = async (seed: number) => {
  const fit = dataset(2000, 1);
  const val = dataset(500, 2);
  return trainNetwork(fit.x, fit.y, val.x, val.y, { hidden: [8], outputs: 1, activation: 'sigmoid', loss: 'binaryCrossentropy', seed, maxEpochs: 30, batchSize: 64 });
};

test('training is deterministic for a seed and learns the problem', async () => {
  const a = await train(5);
  const b = await train(5);
  const test = dataset(300, 3);
  const pa = predict(a.model, test.x);
  const pb = predict(b.model, test.x);
  expect(Array.from(pa)).toEqual(Array.from(pb));
  const accuracy = Array.from(pa).filter((p, i) => (p > 0.5 ? 1 : 0) === test.y.data[i]).length / 300;
  expect(accuracy).toBeGreaterThan(0.85);
  expect(a.validationLoss).toBeLessThan(0.4);
});

/** Spend labels for the ZILN head (three columns, the label first, as neuralModels.ts gives them): none for about half the rows. */
function spendTargets(x: Matrix, seed: number): Matrix {
  const rng = new Random(seed);
  const data = new Float32Array(x.rows * 3);
  for (let i = 0; i < x.rows; i++) data[i * 3] = rng.uniform() < 0.5 ? 0 : Math.exp(1 + 0.5 * x.data[i * x.cols]! + 0.3 * rng.normal());
  return { data, rows: x.rows, cols: 3 };
}

test.each([
  { head: 'churn', loss: 'binaryCrossentropy' as const, outputs: 1, activation: 'sigmoid' as const },
  { head: 'value', loss: zilnLoss, outputs: 3, activation: 'linear' as const },
])('an epoch of batches copied in order gives the weights model.fit gives on the rows in that order, bit for bit, a last short batch included ($head network)', async ({ loss, outputs, activation }) => {
  const { x, y: churned } = dataset(1000, 4); // 15 batches of 64 and one of 40
  const y = outputs === 1 ? churned : spendTargets(x, 12);
  const rng = new Random(11);
  const order = Int32Array.from({ length: x.rows }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const compiled = () => {
    const m = buildMlp(3, { hidden: [8, 4], outputs, activation, seed: 3 });
    m.compile({ optimizer: tf.train.adam(2e-3), loss });
    return m;
  };
  const ours = compiled();
  const theirs = compiled();
  const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
  expect(weightsOf(ours)).toEqual(weightsOf(theirs));
  let leftBehind = 0;
  for (let epoch = 0; epoch < 2; epoch++) {
    const before = tf.memory().numTensors;
    await trainEpoch(ours, x, y, order, 64, loss);
    // The second epoch leaves no tensor behind (the first makes the optimiser's state).
    if (epoch === 1) leftBehind = tf.memory().numTensors - before;
    const idx = tf.tensor1d(order, 'int32');
    const [xs, ys] = [tf.gather(tf.tensor2d(x.data, [x.rows, x.cols]), idx), tf.gather(tf.tensor2d(y.data, [y.rows, y.cols]), idx)];
    await theirs.fit(xs, ys, { epochs: 1, batchSize: 64, shuffle: false, verbose: 0 });
    tf.dispose([idx, xs, ys]);
  }
  const after = weightsOf(ours);
  expect(after).toEqual(weightsOf(theirs));
  // It trained: the weights moved from where they started.
  expect(after).not.toEqual(weightsOf(compiled()));
  expect(leftBehind).toBe(0);
  ours.dispose();
  theirs.dispose();
});

test('an MLP has the hidden layers asked for; predictions in chunks are the whole prediction', async () => {
  const model = buildMlp(3, { hidden: [4, 2], outputs: 1, activation: 'sigmoid', seed: 1 });
  expect(model.layers.map((l) => (l.getConfig() as { units: number }).units)).toEqual([4, 2, 1]);
  const x = dataset(250, 7).x;
  const whole = predict(model, x);
  const parts = predictRows(model, x, 100);
  expect(parts.map((p) => p.length)).toEqual([100, 100, 50]);
  expect(Array.from(parts.flatMap((p) => Array.from(p)))).toEqual(Array.from(whole));
  const before = tf.memory().numTensors;
  predict(model, x);
  expect(tf.memory().numTensors).toBe(before);
  model.dispose();
});

test("predictions are model.predict's figures, bit for bit, for a trained network and one of several outputs", async () => {
  // predictRows runs each chunk through the layers as they are (model.apply, not in training) rather than through
  // model.predict, whose batching copies the whole input out of the wasm memory and back: the figures must not move.
  const trained = (await train(5)).model;
  const wide = buildMlp(3, { hidden: [6, 4], outputs: 3, activation: 'linear', seed: 3 });
  const x = dataset(700, 11).x;
  for (const model of [trained, wide]) {
    const theirs = tf.tidy(() => (model.predict(tf.tensor2d(x.data, [x.rows, x.cols]), { batchSize: 64 }) as tf.Tensor).dataSync() as Float32Array);
    const ours = predict(model, x);
    expect(ours.length).toBe(x.rows * (model === wide ? 3 : 1));
    expect(Buffer.from(ours.buffer, ours.byteOffset, ours.byteLength).equals(Buffer.from(theirs.buffer, theirs.byteOffset, theirs.byteLength))).toBe(true);
    // In chunks too (a chunk's rows are a slice of the input, run alone).
    const parts = predictRows(model, x, 256);
    expect(Buffer.from(Float32Array.from(parts.flatMap((p) => Array.from(p))).buffer).equals(Buffer.from(theirs.buffer, theirs.byteOffset, theirs.byteLength))).toBe(true);
  }
  trained.dispose();
  wide.dispose();
});

test('a network started from another of the same shape starts where it ended; from another shape, from its own seed', async () => {
  const trained = await train(5);
  const fit = dataset(2000, 1);
  const val = dataset(500, 2);
  const test = dataset(300, 3);
  // A learning rate too small to move the weights in one epoch: what comes out is where training started.
  const still = { outputs: 1, activation: 'sigmoid' as const, loss: 'binaryCrossentropy' as const, seed: 9, maxEpochs: 1, batchSize: 64, learningRate: 1e-12 };
  const started = await trainNetwork(fit.x, fit.y, val.x, val.y, { ...still, hidden: [8], initialWeights: trained.model.getWeights() });
  const fresh = await trainNetwork(fit.x, fit.y, val.x, val.y, { ...still, hidden: [8] });
  const pt = Array.from(predict(trained.model, test.x));
  const ps = Array.from(predict(started.model, test.x));
  const pf = Array.from(predict(fresh.model, test.x));
  ps.forEach((p, i) => expect(p).toBeCloseTo(pt[i]!, 5));
  expect(Math.max(...pf.map((p, i) => Math.abs(p - pt[i]!)))).toBeGreaterThan(0.05);
  // Its first epoch is already as good as the trained network's best; the fresh one's is not.
  expect(started.validationLoss).toBeCloseTo(trained.validationLoss, 4);
  expect(fresh.validationLoss).toBeGreaterThan(trained.validationLoss + 0.05);
  // Another architecture's weights are not used: the same as the seeded start.
  const other = await trainNetwork(fit.x, fit.y, val.x, val.y, { ...still, hidden: [4, 4], initialWeights: trained.model.getWeights() });
  const seeded = await trainNetwork(fit.x, fit.y, val.x, val.y, { ...still, hidden: [4, 4] });
  expect(Array.from(predict(other.model, test.x))).toEqual(Array.from(predict(seeded.model, test.x)));
  for (const m of [trained, started, fresh, other, seeded]) m.model.dispose();
});

test("a fixed count of epochs (a kept champion's) trains that long without stopping early: at the early-stopped run's best count, its very weights", async () => {
  // Few rows and a wide network at a high rate: it overfits and stops early.
  const fit = dataset(200, 1);
  const val = dataset(500, 2);
  const options: NetworkOptions = { hidden: [64, 32], outputs: 1, activation: 'sigmoid', loss: 'binaryCrossentropy', seed: 9, maxEpochs: 60, batchSize: 32, patience: 3, learningRate: 0.02 };
  const stopped = await trainNetwork(fit.x, fit.y, val.x, val.y, options);
  // It stopped early, patience epochs after its best.
  expect(stopped.epochs).toBe(stopped.bestEpoch + 1 + 3);
  const fixed = await trainNetwork(fit.x, fit.y, val.x, val.y, { ...options, epochs: stopped.bestEpoch + 1 });
  expect(fixed.epochs).toBe(stopped.bestEpoch + 1);
  expect(fixed.bestEpoch).toBe(stopped.bestEpoch);
  expect(fixed.validationLoss).toBe(stopped.validationLoss);
  const weights = (m: typeof fixed.model) => m.getWeights().map((w) => Array.from(w.dataSync()));
  expect(weights(fixed.model)).toEqual(weights(stopped.model));
  // Past the best, the last epoch's weights are kept, not the best's: its loss is the last epoch's.
  const longer = await trainNetwork(fit.x, fit.y, val.x, val.y, { ...options, epochs: stopped.epochs });
  expect(longer.epochs).toBe(stopped.epochs);
  expect(longer.bestEpoch).toBe(stopped.epochs - 1);
  expect(weights(longer.model)).not.toEqual(weights(stopped.model));
  for (const m of [stopped, fixed, longer]) m.model.dispose();
});

test('a seed of 0 (which TensorFlow.js takes for none) still gives the same initial weights every time, as any other seed does', () => {
  const weights = (seed: number) => {
    const m = buildMlp(3, { hidden: [4, 2], outputs: 1, activation: 'sigmoid', seed });
    const w = m.getWeights().map((t) => Array.from(t.dataSync()));
    m.dispose();
    return w;
  };
  // seed 0: the first layer's own seed is 0; seed -1: the second's is
  for (const seed of [0, -1, 42]) expect(weights(seed)).toEqual(weights(seed));
  expect(weights(0)).not.toEqual(weights(-1));
  // any seed but 0 is given as it is: the same first layer as a network whose first layer's seed is that one
  expect(initializerSeed(42)).toBe(42);
  expect(initializerSeed(0)).not.toBe(0);
});
