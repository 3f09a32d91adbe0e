import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { Random } from '../../pipeline/demo/random.js';
import { folderLoader, folderSaver } from '../../pipeline/learn/modelIO.js';
import { predict, trainNetwork, type Matrix } from '../../pipeline/learn/network.js';
import { initBackend, tf } from '../../pipeline/learn/tfBackend.js';
import { withTempDir } from '../helpers/withDb.js';

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

test('a model saved to model.json + weights.bin and loaded back predicts the same, bit for bit', async () => {
  const { model } = await train(9);
  const test = dataset(200, 4);
  await withTempDir(async (dir) => {
    await model.save(folderSaver(join(dir, 'm')));
    const loaded = await tf.loadLayersModel(folderLoader(join(dir, 'm')));
    expect(Array.from(predict(loaded, test.x))).toEqual(Array.from(predict(model, test.x)));
  });
});
