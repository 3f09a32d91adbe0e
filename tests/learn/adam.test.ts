import { beforeAll, expect, test } from 'vitest';
import { Float32Adam } from '../../pipeline/learn/adam.js';
import { buildMlp } from '../../pipeline/learn/network.js';
import { initBackend, tf } from '../../pipeline/learn/tfBackend.js';
import { zilnLoss } from '../../pipeline/learn/ziln.js';
import { Random } from '../../pipeline/shared/random.js';

beforeAll(async () => {
  await initBackend();
});

const COLS = 5;

/** A batch of rows with a binary target, and a ZILN target (zero for a third of the rows, else a spend). */
function batch(rng: Random, rows: number): { x: tf.Tensor2D; y: tf.Tensor2D; spend: tf.Tensor2D } {
  const x = Float32Array.from({ length: rows * COLS }, () => rng.normal() * 3);
  const y = Float32Array.from({ length: rows }, (_, i) => (x[i * COLS]! + rng.normal() > 0 ? 1 : 0));
  const spend = Float32Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? 0 : Math.exp(x[i * COLS + 1]! * 0.5 + 3)));
  return { x: tf.tensor2d(x, [rows, COLS]), y: tf.tensor2d(y, [rows, 1]), spend: tf.tensor2d(spend, [rows, 1]) };
}

const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

/** Every value the same float, bit for bit (Object.is: -0 is not 0). */
function sameBits(a: number[][], b: number[][]): boolean {
  return a.length === b.length && a.every((w, i) => w.length === b[i]!.length && w.every((v, j) => Object.is(v, b[i]![j])));
}

test.each([
  { name: 'a classifier (binary cross-entropy)', outputs: 1, activation: 'sigmoid' as const, ziln: false },
  { name: 'a ZILN network', outputs: 3, activation: 'linear' as const, ziln: true },
])('Adam in JavaScript moves $name to the weights TensorFlow.js\'s Adam gives, bit for bit, at every step', async ({ outputs, activation, ziln }) => {
  const compiled = () => {
    const m = buildMlp(COLS, { hidden: [6, 3], outputs, activation, seed: 9 });
    m.compile({ optimizer: tf.train.adam(0.01), loss: ziln ? zilnLoss : 'binaryCrossentropy' });
    return m;
  };
  const theirs = compiled();
  const ours = compiled();
  const start = weightsOf(ours);
  const lossOf = (m: tf.LayersModel, b: ReturnType<typeof batch>) => () =>
    tf.mean(ziln ? zilnLoss(b.spend, m.apply(b.x) as tf.Tensor) : tf.metrics.binaryCrossentropy(b.y, m.apply(b.x) as tf.Tensor)) as tf.Scalar;
  const vars = (m: tf.LayersModel) => m.trainableWeights.map((w) => w.read() as tf.Variable);
  const rng = new Random(4);
  let steps = 0;
  // Two "epochs" of 40 steps: the state carries from one call of Float32Adam.of to the next.
  for (let epoch = 0; epoch < 2; epoch++) {
    const adam = Float32Adam.of(ours.optimizer, vars(ours))!;
    expect(adam).toBeDefined();
    for (let s = 0; s < 40; s++) {
      const b = batch(rng, 32);
      theirs.optimizer.minimize(lossOf(theirs, b), false, vars(theirs));
      const { value, grads } = tf.variableGrads(lossOf(ours, b), vars(ours));
      adam.step(grads);
      tf.dispose([value, grads, b.x, b.y, b.spend]);
      steps++;
      expect(sameBits(weightsOf(ours), weightsOf(theirs))).toBe(true);
    }
  }
  expect(steps).toBe(80);
  // They trained: the weights moved.
  expect(sameBits(weightsOf(ours), start)).toBe(false);
  theirs.optimizer.dispose();
  theirs.dispose();
  ours.optimizer.dispose();
  ours.dispose();
});

test('the first step moves each weight by the learning rate against the sign of its gradient (Adam\'s first step), none with no gradient', () => {
  const w = tf.variable(tf.tensor1d([1, -2, 0.5, 3]));
  const optimizer = tf.train.adam(0.1);
  const adam = Float32Adam.of(optimizer, [w])!;
  const grads = { [w.name]: tf.tensor1d([4, -0.001, 0, 250]) };
  adam.step(grads);
  // m̂ = g, v̂ = g²: the step is rate x g / (|g| + epsilon), about the rate but where g is 0 (epsilon: 1e-7).
  const after = Array.from(w.dataSync());
  const expected = [1 - 0.1 * 4 / (4 + 1e-7), -2 + 0.1 * 0.001 / (0.001 + 1e-7), 0.5, 3 - 0.1 * 250 / (250 + 1e-7)];
  expected.forEach((v, i) => expect(Math.abs(after[i]! - v)).toBeLessThan(1e-6));
  expect(after[2]).toBe(0.5);
  tf.dispose([w, grads[w.name]!]);
  optimizer.dispose();
});

test('another optimiser, or an Adam that stepped by itself, before or after, is left to step itself', () => {
  const w = tf.variable(tf.scalar(1));
  const sgd = tf.train.sgd(0.1);
  expect(Float32Adam.of(sgd, [w])).toBeUndefined();
  const stepped = tf.train.adam(0.1);
  stepped.minimize(() => tf.square(w) as tf.Scalar, false, [w]);
  expect(Float32Adam.of(stepped, [w])).toBeUndefined();
  // Stepped here, then by itself (as model.fit would): its own state from then on, not this one's.
  const later = tf.train.adam(0.1);
  const adam = Float32Adam.of(later, [w])!;
  expect(adam).toBeDefined();
  const grads = { [w.name]: tf.scalar(2) };
  adam.step(grads);
  expect(Float32Adam.of(later, [w])).toBeDefined();
  later.minimize(() => tf.square(w) as tf.Scalar, false, [w]);
  expect(Float32Adam.of(later, [w])).toBeUndefined();
  tf.dispose([w, grads[w.name]!]);
  [sgd, stepped, later].forEach((o) => o.dispose());
});
