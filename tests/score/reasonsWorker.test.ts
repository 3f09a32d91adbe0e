import { Worker } from 'node:worker_threads';
import { beforeAll, expect, test } from 'vitest';
import { fitPreprocessor, transform } from '../../pipeline/learn/preprocess.js';
import type { NeuralModels } from '../../pipeline/learn/neuralModels.js';
import { trainNetwork } from '../../pipeline/learn/network.js';
import { initBackend } from '../../pipeline/learn/tfBackend.js';
import { boundedReasons, reasonPlan } from '../../pipeline/score/reasons.js';
import type { ReasonsReply, ReasonsRequest } from '../../pipeline/score/reasonsPool.js';
import { shop } from '../helpers/shopFeatures.js';
import { ask as askWorker, compiledWorker } from '../helpers/workerThread.js';

// The compiled worker (npm test builds dist/ before the suites run).
const script = compiledWorker('score/reasonsWorker.js');

beforeAll(async () => {
  await initBackend();
});

const ask = (worker: Worker, request: ReasonsRequest) => askWorker<ReasonsRequest, ReasonsReply>(worker, request);

test('the reasons thread answers a batch with the texts, undecided rows and inputs bounded here; a batch it cannot bound it answers as an error, and goes on', async () => {
  const train = shop(2000, 5);
  const preprocessor = fitPreprocessor(train.data);
  const x = { data: transform(preprocessor, train.data, train.n), rows: train.n, cols: preprocessor.columns.length };
  const y = { data: train.churned, rows: train.n, cols: 1 };
  const { model } = await trainNetwork(x, y, x, y, { hidden: [16], outputs: 1, activation: 'sigmoid', loss: 'binaryCrossentropy', seed: 7, maxEpochs: 4, batchSize: 128 });
  const plan = reasonPlan({ preprocessor, churn: { model, platt: { a: 1, b: 0 } } } as unknown as NeuralModels, { typicalGapDays: 35, recentShare: 0.5 });
  expect(plan.stack).not.toBeNull();
  const batch = shop(800, 6);
  const which = Array.from({ length: 400 }, (_, k) => 2 * k);
  const worker = new Worker(script);
  try {
    // a plan whose preprocessor lacks its columns fails on the thread as it would here
    const bad = await ask(worker, { id: 1, plan: { ...plan, preprocessor: { ...plan.preprocessor, numeric: undefined as never } }, data: batch.data, n: batch.n, which });
    expect(bad).toMatchObject({ id: 1, error: expect.stringMatching(/TypeError/) });
    const reply = await ask(worker, { id: 2, plan, data: batch.data, n: batch.n, which });
    if (!('bounded' in reply)) throw new Error(reply.error);
    const here = boundedReasons(plan, batch.data, batch.n, which);
    expect(reply.id).toBe(2);
    expect(reply.bounded.texts).toEqual(here.texts);
    expect(reply.bounded.undecided).toEqual(here.undecided);
    expect(Array.from(reply.bounded.inputs)).toEqual(Array.from(here.inputs));
    expect(reply.bounded.texts.filter(Boolean).length).toBeGreaterThan(300);
  } finally {
    await worker.terminate();
  }
});
