import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { fitPreprocessor, transform } from '../../pipeline/learn/preprocess.js';
import type { NeuralModels } from '../../pipeline/learn/neuralModels.js';
import { trainNetwork } from '../../pipeline/learn/network.js';
import { initBackend } from '../../pipeline/learn/tfBackend.js';
import { networkDecides, occlusionReasons } from '../../pipeline/score/occlusionReasons.js';
import { boundedReasons, reasonPlan, type BoundedReasons } from '../../pipeline/score/reasons.js';
import { ReasonsPool } from '../../pipeline/score/reasonsPool.js';
import { shop } from '../helpers/shopFeatures.js';

beforeAll(async () => {
  await initBackend();
});

/** A churn network of `hidden` units trained on a shop's customers, and three batches of other customers to explain. */
async function setup(hidden: number[]) {
  const train = shop(3000, 11);
  const preprocessor = fitPreprocessor(train.data);
  const x = { data: transform(preprocessor, train.data, train.n), rows: train.n, cols: preprocessor.columns.length };
  const { model } = await trainNetwork(x, { data: train.churned, rows: train.n, cols: 1 }, x, { data: train.churned, rows: train.n, cols: 1 },
    { hidden, outputs: 1, activation: 'sigmoid', loss: 'binaryCrossentropy', seed: 3, maxEpochs: 6, batchSize: 128 });
  const models = { preprocessor, churn: { model, platt: { a: 1.2, b: -0.3 } } } as unknown as NeuralModels;
  const context = { typicalGapDays: 40, recentShare: 0.5 };
  // Batches of different sizes; the last explains every third customer only, as the acted ones are a subset.
  const batches = [shop(1500, 12), shop(900, 13), shop(1200, 14)].map((b, i) => ({ ...b, which: Array.from({ length: i === 2 ? 400 : b.n }, (_, k) => (i === 2 ? 3 * k : k)) }));
  return { models, context, plan: reasonPlan(models, context), batches };
}

/** The parts of a bounded batch, as plain values to compare (the inputs' float32 values one by one). */
const plain = (b: BoundedReasons) => ({ texts: b.texts, undecided: b.undecided, inputs: Array.from(b.inputs) });

for (const hidden of [[16], [32, 16]]) {
  test(`batches bounded on two threads are those bounded here, text for text, row for row and input for input: a trained [${hidden.join(', ')}] network${hidden.length > 1 ? ' (too deep to bound: every row left to the network)' : ''}`, async () => {
    const { models, context, plan, batches } = await setup(hidden);
    const pool = new ReasonsPool(2);
    expect(pool.parallel).toBe(true);
    expect(pool.width).toBe(3);
    try {
      // All three at once: two threads, the third batch waits for the first free one.
      const threaded = await Promise.all(batches.map((b) => pool.bound(plan, b.data, b.n, b.which)));
      batches.forEach((b, i) => {
        const here = boundedReasons(plan, b.data, b.n, b.which);
        expect(plain(threaded[i]!)).toEqual(plain(here));
        // and the texts once the network has decided the rest are occlusionReasons' own
        expect(networkDecides(models.churn, plan, threaded[i]!, b.data, b.which, 100)).toEqual(occlusionReasons(models, b.data, b.n, b.which, context, 100));
      });
      expect(pool.failures).toEqual([]);
      const decided = threaded.reduce((s, t) => s + t.texts.length - t.undecided.length, 0);
      const rows = batches.reduce((s, b) => s + b.which.length, 0);
      // The small network's bounds decide most rows (their texts written on the thread); the deeper one's none.
      if (hidden.length === 1) expect(decided).toBeGreaterThan(0.8 * rows);
      else expect(decided).toBe(0);
      // the inputs handed back are the undecided rows' model inputs, computed independently here
      const b = batches[0]!;
      const t = threaded[0]!;
      const x = transform(models.preprocessor, b.data, b.n);
      const width = plan.width;
      t.undecided.forEach((k, r) => expect(Array.from(t.inputs.subarray(r * width, (r + 1) * width))).toEqual(Array.from(x.subarray(b.which[k]! * width, (b.which[k]! + 1) * width))));
    } finally {
      await pool.close();
    }
  });
}

test('one thread, or no compiled worker: batches are bounded here, one at a time', async () => {
  expect(new ReasonsPool(1).parallel).toBe(false);
  expect(new ReasonsPool(1).width).toBe(1);
  const none = new ReasonsPool(4, false);
  expect([none.parallel, none.width]).toEqual([false, 1]);
  const { plan, batches } = await setup([16]);
  const b = batches[1]!;
  expect(plain(await none.bound(plan, b.data, b.n, b.which))).toEqual(plain(boundedReasons(plan, b.data, b.n, b.which)));
});

test('a thread that fails to start, or stops in the middle of a batch: the batches are bounded here, to the same texts, and the failure is said', async () => {
  const { plan, batches } = await setup([16]);
  const dir = mkdtempSync(join(tmpdir(), 'fidelio-reasons-pool-'));
  try {
    const broken = join(dir, 'broken.mjs');
    writeFileSync(broken, "throw new Error('this reasons thread cannot load');\n");
    const stops = join(dir, 'stops.mjs');
    writeFileSync(stops, "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => process.exit(3));\n");
    const answers = join(dir, 'answers.mjs');
    writeFileSync(answers, "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', (r) => parentPort.postMessage({ id: r.id, error: 'Error: no bounds on this thread' }));\n");
    for (const [script, said] of [[broken, /cannot load/], [stops, /stopped \(exit code 3\)/], [answers, /no bounds on this thread/]] as const) {
      const pool = new ReasonsPool(2, script);
      expect(pool.parallel).toBe(true);
      try {
        const got = await Promise.all(batches.map((b) => pool.bound(plan, b.data, b.n, b.which)));
        batches.forEach((b, i) => expect(plain(got[i]!)).toEqual(plain(boundedReasons(plan, b.data, b.n, b.which))));
        expect(pool.failures.length).toBeGreaterThan(0);
        expect(pool.failures[0]).toMatch(said);
        // no batch is given to a thread after a failure
        expect(pool.parallel).toBe(false);
      } finally {
        await pool.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
