import { beforeAll, expect, test } from 'vitest';
import { choose } from '../../pipeline/learn/architectureSearch.js';
import type { Matrix } from '../../pipeline/learn/network.js';
import { initBackend } from '../../pipeline/learn/tfBackend.js';
import { TrainPool } from '../../pipeline/learn/trainPool.js';
import { silentLogger } from '../../pipeline/log.js';
import { Random } from '../../pipeline/shared/random.js';

beforeAll(async () => {
  await initBackend();
});

function dataset(n: number, seed: number): { x: Matrix; y: Matrix } {
  const rng = new Random(seed);
  const x = new Float32Array(n * 2);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i * 2] = rng.normal();
    x[i * 2 + 1] = rng.normal();
    // Not linearly separable: a ring.
    y[i] = x[i * 2]! ** 2 + x[i * 2 + 1]! ** 2 < 1.4 ? 1 : 0;
  }
  return { x: { data: x, rows: n, cols: 2 }, y: { data: y, rows: n, cols: 1 } };
}

test('the architecture with the lowest validation loss wins, every candidate reported, the same here and on two threads', async () => {
  const fit = dataset(1500, 1);
  const val = dataset(400, 2);
  const results = [];
  for (const threads of [1, 2]) {
    const pool = new TrainPool(threads);
    try {
      results.push(await choose([[1], [16, 8]], 'ring', silentLogger, fit.x, fit.y, val.x, val.y, (hidden, i) => ({
        hidden, outputs: 1, activation: 'sigmoid', loss: 'binaryCrossentropy', seed: 7 + 10 * i, maxEpochs: 25,
      }), pool));
    } finally {
      await pool.close();
    }
  }
  const [here, threaded] = results as [Awaited<ReturnType<typeof choose>>, Awaited<ReturnType<typeof choose>>];
  expect(here.candidates.map((c) => c.hidden)).toEqual([[1], [16, 8]]);
  // One hidden unit cannot draw a ring; the wider network can.
  expect(here.best.hidden).toEqual([16, 8]);
  expect(here.best.validationLoss).toBe(Math.min(...here.candidates.map((c) => c.validationLoss)));
  expect(threaded.candidates).toEqual(here.candidates);
  expect(threaded.best.model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(here.best.model.getWeights().map((w) => Array.from(w.dataSync())));
  here.best.model.dispose();
  threaded.best.model.dispose();
});
