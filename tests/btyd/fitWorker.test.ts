import { Worker } from 'node:worker_threads';
import { expect, test } from 'vitest';
import { fitFamily } from '../../pipeline/btyd/fitBtyd.js';
import type { FitReply, FitRequest } from '../../pipeline/btyd/fitThread.js';
import { cdnowSummaryRows } from '../helpers/cdnow.js';
import { ask, compiledWorker } from '../helpers/workerThread.js';

// The compiled worker (npm test builds dist/ before the suites run).
const script = compiledWorker('btyd/fitWorker.js');
const rows = cdnowSummaryRows();
const columns = { x: Float64Array.from(rows, (r) => r.x), t_x: Float64Array.from(rows, (r) => r.t_x), T: Float64Array.from(rows, (r) => r.T) };

test('the fitting thread answers with the fits asked for, in that order, each the one made here', async () => {
  const worker = new Worker(script);
  try {
    const reply = await ask<FitRequest, FitReply>(worker, { ...columns, fits: [['pareto', undefined], ['bgnbd', 0.001]], limits: {} });
    if (!('fits' in reply)) throw new Error(reply.error);
    expect(reply.fits).toEqual([fitFamily(rows, 'pareto', {}), fitFamily(rows, 'bgnbd', {}, 0.001)]);
    // The published CDNOW figures' neighbourhood: Pareto/NBD's r about 0.55 (the fit is checked against them in paretoNbd.test.ts).
    expect(reply.fits[0]!.params.r).toBeCloseTo(0.55, 1);
  } finally {
    await worker.terminate();
  }
});

test('a fit the thread cannot make is answered as an error, not a stopped thread', async () => {
  const worker = new Worker(script);
  try {
    const reply = await ask<FitRequest, FitReply>(worker, { ...columns, fits: [['no_such_family' as never, undefined]], limits: {} });
    expect(reply).toMatchObject({ error: expect.stringMatching(/TypeError|not a function/) });
  } finally {
    await worker.terminate();
  }
});
