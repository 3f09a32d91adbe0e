import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { trainNetwork, type Matrix, type TrainResult } from '../../pipeline/learn/network.js';
import { initBackend, tf } from '../../pipeline/learn/tfBackend.js';
import { TrainPool, TrainingStopped, fromWire, networkOptions, toWire, type WireOptions } from '../../pipeline/learn/trainPool.js';
import { zilnLoss } from '../../pipeline/learn/ziln.js';
import { Random } from '../../pipeline/shared/random.js';

beforeAll(async () => {
  await initBackend();
});

/** Rows of four inputs; a churn-like label and a spend that is zero for two thirds of the rows. */
function rows(n: number, seed: number): { x: Matrix; churn: Matrix; spend: Matrix } {
  const rng = new Random(seed);
  const x = new Float32Array(n * 4);
  const churn = new Float32Array(n);
  const spend = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 4; j++) x[i * 4 + j] = rng.normal();
    churn[i] = x[i * 4]! + 0.5 * x[i * 4 + 1]! + 0.3 * rng.normal() > 0 ? 1 : 0;
    spend[i * 3] = rng.uniform() < 1 / 3 ? Math.exp(1 + x[i * 4 + 2]!) : 0;
  }
  return { x: { data: x, rows: n, cols: 4 }, churn: { data: churn, rows: n, cols: 1 }, spend: { data: spend, rows: n, cols: 3 } };
}

const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

test('a network trained on a pool thread is the one trained here, weight for weight: a classifier, a ZILN network, one started from given weights', async () => {
  const fit = rows(1200, 3);
  const val = rows(300, 4);
  const start = await trainNetwork(fit.x, fit.churn, val.x, val.churn, { hidden: [8], outputs: 1, activation: 'sigmoid', loss: 'binaryCrossentropy', seed: 5, maxEpochs: 3 });
  const jobs: { y: Matrix; yVal: Matrix; options: WireOptions }[] = [
    { y: fit.churn, yVal: val.churn, options: { hidden: [8, 4], outputs: 1, activation: 'sigmoid', loss: 'binaryCrossentropy', seed: 11, maxEpochs: 12, patience: 2 } },
    { y: fit.spend, yVal: val.spend, options: { hidden: [8], outputs: 3, activation: 'linear', loss: 'ziln', seed: 21, epochs: 6 } },
    { y: fit.churn, yVal: val.churn, options: { hidden: [8], outputs: 1, activation: 'sigmoid', loss: 'binaryCrossentropy', seed: 31, epochs: 4, initialWeights: start.model.getWeights().map(toWire) } },
  ];
  // Here, as the training always ran (trainNetwork, one after another).
  const here: TrainResult[] = [];
  for (const j of jobs) {
    const initial = j.options.initialWeights?.map(fromWire);
    here.push(await trainNetwork(fit.x, j.y, val.x, j.yVal, networkOptions(j.options, initial)));
    tf.dispose(initial ?? []);
  }
  const pool = new TrainPool(2);
  expect(pool.parallel).toBe(true);
  try {
    const threaded = await Promise.all(jobs.map((j) => pool.train(fit.x, j.y, val.x, j.yVal, j.options)));
    threaded.forEach((t, k) => {
      expect(weightsOf(t.model)).toEqual(weightsOf(here[k]!.model));
      expect([t.validationLoss, t.bestEpoch, t.epochs]).toEqual([here[k]!.validationLoss, here[k]!.bestEpoch, here[k]!.epochs]);
      // and it predicts as the one trained here
      const p = tf.tidy(() => Array.from((t.model.predict(tf.tensor2d(val.x.data, [val.x.rows, 4])) as tf.Tensor).dataSync()));
      const q = tf.tidy(() => Array.from((here[k]!.model.predict(tf.tensor2d(val.x.data, [val.x.rows, 4])) as tf.Tensor).dataSync()));
      expect(p).toEqual(q);
    });
    // the given weights mattered: the same network from its seed ends elsewhere
    const { initialWeights: _given, ...unstarted } = jobs[2]!.options;
    const fromSeed = await pool.train(fit.x, fit.churn, val.x, val.churn, unstarted);
    expect(weightsOf(fromSeed.model)).not.toEqual(weightsOf(threaded[2]!.model));
    // the ZILN network learnt with its own loss: its validation loss is the ZILN loss of its outputs
    const zl = tf.tidy(() => zilnLoss(tf.tensor2d(val.spend.data, [val.spend.rows, 3]), threaded[1]!.model.predict(tf.tensor2d(val.x.data, [val.x.rows, 4])) as tf.Tensor).dataSync()[0]!);
    expect(threaded[1]!.validationLoss).toBeCloseTo(zl, 5);
    for (const m of [...threaded, fromSeed]) m.model.dispose();
  } finally {
    await pool.close();
    for (const m of [...here, start]) m.model.dispose();
  }
});

test('without the compiled worker, or with one thread, networks train here one at a time; what a thread cannot train is trained here, to the same weights', async () => {
  expect(new TrainPool(1).parallel).toBe(false);
  expect(new TrainPool(4, false).parallel).toBe(false);
  // native TensorFlow trains on every core itself (and its addon does not load in a worker thread): here
  expect(new TrainPool(2, undefined, 'tensorflow').parallel).toBe(false);
  expect(new TrainPool(2, undefined, 'wasm').parallel).toBe(true);
  const fit = rows(400, 5);
  const val = rows(100, 6);
  const options: WireOptions = { hidden: [4], outputs: 1, activation: 'sigmoid', loss: 'binaryCrossentropy', seed: 3, epochs: 2 };
  const alone = await trainNetwork(fit.x, fit.churn, val.x, val.churn, networkOptions(options));
  // a thread that cannot even start (its script throws on load): every network is trained here instead, and said
  const dir = mkdtempSync(join(tmpdir(), 'pool-'));
  const broken = join(dir, 'broken.mjs');
  writeFileSync(broken, "throw new Error('no wasm here');\n");
  const pool = new TrainPool(2, broken, 'wasm');
  try {
    expect(pool.parallel).toBe(true);
    const [a, b] = await Promise.all([pool.train(fit.x, fit.churn, val.x, val.churn, options), pool.train(fit.x, fit.churn, val.x, val.churn, options)]);
    expect(weightsOf(a.model)).toEqual(weightsOf(alone.model));
    expect(weightsOf(b.model)).toEqual(weightsOf(alone.model));
    expect(pool.failures).toHaveLength(2);
    expect(pool.failures[0]).toMatch(/no wasm here/);
    for (const m of [a, b]) m.model.dispose();
  } finally {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
  // a network no thread and no backend can train (a layer of zero units) fails with its own error, once tried here too
  const real = new TrainPool(2);
  try {
    await expect(real.train(fit.x, fit.churn, val.x, val.churn, { ...options, hidden: [0] })).rejects.toThrow();
    expect(real.failures).toHaveLength(1);
    // and the pool still trains the next one on its thread
    const ok = await real.train(fit.x, fit.churn, val.x, val.churn, options);
    expect(weightsOf(ok.model)).toEqual(weightsOf(alone.model));
    expect(real.failures).toHaveLength(1);
    ok.model.dispose();
  } finally {
    await real.close();
    alone.model.dispose();
  }
});

test('once its signal aborts, the pool stops its threads: the networks in training and those waiting fail with TrainingStopped, none is trained here', async () => {
  const fit = rows(3000, 7);
  const val = rows(300, 8);
  // Long enough not to end before the stop (400 epochs): each would resolve with its network if it were not stopped.
  const long: WireOptions = { hidden: [32, 16], outputs: 1, activation: 'sigmoid', loss: 'binaryCrossentropy', seed: 3, epochs: 400 };
  const stopping = new AbortController();
  const pool = new TrainPool(2, undefined, undefined, stopping.signal);
  expect(pool.parallel).toBe(true);
  // two train on the threads, the third waits for one of them
  const training = [1, 2, 3].map((k) => pool.train(fit.x, fit.churn, val.x, val.churn, { ...long, seed: k }));
  for (const t of training) t.catch(() => undefined);
  setTimeout(() => stopping.abort(), 500);
  const settled = await Promise.allSettled(training);
  expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
  for (const s of settled) expect((s as PromiseRejectedResult).reason).toBeInstanceOf(TrainingStopped);
  // stopped, not handed to the main thread as a failed thread's network would be
  expect(pool.failures).toEqual([]);
  // a network given to a stopped pool fails at once
  await expect(pool.train(fit.x, fit.churn, val.x, val.churn, { ...long, epochs: 1 })).rejects.toBeInstanceOf(TrainingStopped);
  await pool.close();
});
