import { Worker } from 'node:worker_threads';
import { expect, test } from 'vitest';
import { fitBtyd } from '../../pipeline/btyd/fitBtyd.js';
import { summaryScorer, type SummaryColumns } from '../../pipeline/btyd/summaryScorer.js';
import type { ScoreReply, ScoreRequest } from '../../pipeline/btyd/summaryScorerThread.js';
import { cdnowSummaryColumns, cdnowSummaryRows } from '../helpers/cdnow.js';
import { ask as askWorker, compiledWorker } from '../helpers/workerThread.js';

// The compiled worker (npm test builds dist/ before the suites run).
const script = compiledWorker('btyd/summaryScorerWorker.js');
const models = fitBtyd(cdnowSummaryRows(), '1997-09-30');
const options = { model: 'bgnbd' as const, horizonDays: 90, annualDiscountRate: 0.1, intervalDraws: 40, seed: 42, from: '1997-09-30' };

const ask = (worker: Worker, request: ScoreRequest) => askWorker<ScoreRequest, ScoreReply>(worker, request);

test('the BTYD thread answers a batch with the figures computed here; a batch it cannot score it answers as an error, and goes on', async () => {
  const c = cdnowSummaryColumns();
  const worker = new Worker(script, { workerData: { models, options } });
  try {
    const bad = await ask(worker, { id: 1, columns: { t_x: c.t_x } as unknown as SummaryColumns, n: 3 });
    expect(bad).toMatchObject({ id: 1, error: expect.stringMatching(/TypeError/) });
    const reply = await ask(worker, { id: 2, columns: c, n: c.x.length });
    if (!('figures' in reply)) throw new Error(reply.error);
    expect(reply.id).toBe(2);
    const here = summaryScorer(models, options)(c, c.x.length);
    for (const [name, column] of Object.entries(here)) expect(Array.from(reply.figures[name as keyof typeof here]), name).toEqual(Array.from(column));
    expect(reply.figures.clv_12m.filter((v) => v > 0).length).toBeGreaterThan(2000);
  } finally {
    await worker.terminate();
  }
});
