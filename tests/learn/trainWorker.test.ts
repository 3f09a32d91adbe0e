import { Worker } from 'node:worker_threads';
import { expect, test } from 'vitest';
import type { TrainReply, TrainRequest } from '../../pipeline/learn/trainPool.js';
import { ask as askWorker, compiledWorker } from '../helpers/workerThread.js';

// The compiled worker (npm test builds dist/ before the suites run).
const script = compiledWorker('learn/trainWorker.js');

const ask = (worker: Worker, request: TrainRequest) => askWorker<TrainRequest, TrainReply>(worker, request);

const matrix = (rows: number, cols: number, f: (i: number) => number) => ({ data: Float32Array.from({ length: rows * cols }, (_, i) => f(i)), rows, cols });

test('the training thread trains on the backend it is given and answers with the weights, layer by layer; what it cannot do it answers as an error, and goes on', async () => {
  const worker = new Worker(script);
  try {
    const x = matrix(200, 3, (i) => Math.sin(i));
    const y = matrix(200, 1, (i) => (Math.sin(i * 3) > 0 ? 1 : 0));
    const base = { x, y, xVal: x, yVal: y };
    const missing = await ask(worker, { id: 1, backend: 'tensorflow', ...base, options: { hidden: [4], outputs: 1, activation: 'sigmoid', loss: 'binaryCrossentropy', seed: 3, epochs: 1 } });
    // tfjs-node is not installed here: the thread says so rather than train elsewhere
    expect(missing).toMatchObject({ id: 1, error: expect.stringMatching(/could not use the tensorflow backend/) });
    const reply = await ask(worker, { id: 2, backend: 'wasm', ...base, options: { hidden: [4, 2], outputs: 1, activation: 'sigmoid', loss: 'binaryCrossentropy', seed: 3, epochs: 2 } });
    if ('error' in reply) throw new Error(reply.error);
    expect(reply.id).toBe(2);
    // kernel and bias of each dense layer: 3x4, 4, 4x2, 2, 2x1, 1
    expect(reply.weights.map((w) => w.shape)).toEqual([[3, 4], [4], [4, 2], [2], [2, 1], [1]]);
    expect(reply.weights.every((w) => w.data.length === w.shape.reduce((a, b) => a * b, 1) && w.data.every(Number.isFinite))).toBe(true);
    expect([reply.epochs, reply.bestEpoch]).toEqual([2, 1]);
    expect(reply.validationLoss).toBeGreaterThan(0);
  } finally {
    await worker.terminate();
  }
});
