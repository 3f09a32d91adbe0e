import { Worker } from 'node:worker_threads';
import { workerScript } from '../shared/workerScript.js';
import { fitBtyd, fitFamily, fitKey, plannedFits, type BtydModels, type FamilyFit, type FitOptions } from './fitBtyd.js';
import type { FitLimits } from './fitReport.js';
import type { PurchaseFamily } from './purchaseModel.js';
import type { CustomerSummary } from './summary.js';

/*
 * fitBtyd with Pareto/NBD's fits (its own and, with a penalty, the penalised
 * one: the longest, for its likelihood's integrals) on a thread of their own
 * (fitWorker.ts) while the other candidates are fitted here. A fit is plain
 * float64 arithmetic on the same summaries, the same on any thread, so the
 * models are fitBtyd's, figure for figure. Without the compiled worker (the
 * sources run by a test runner), or when the thread cannot start or fails,
 * every fit is made here, and what went wrong is returned for the caller to say.
 */

/** What the thread is given: the summaries as columns (a clone of three arrays, not of a million objects) and the fits to make. */
export interface FitRequest {
  x: Float64Array;
  t_x: Float64Array;
  T: Float64Array;
  fits: [PurchaseFamily, number | undefined][];
  limits: FitLimits;
}
export type FitReply = { fits: FamilyFit[] } | { error: string };

/** The summaries' rows from FitRequest's columns: what the fitters read of them. */
export const rowsOf = (r: Pick<FitRequest, 'x' | 't_x' | 'T'>): CustomerSummary[] => Array.from(r.x, (x, i) => ({ x, t_x: r.t_x[i]!, T: r.T[i]! }));

/** The summaries' rows as FitRequest's columns (rowsOf's inverse). */
export const columnsOf = (rows: readonly CustomerSummary[]): Pick<FitRequest, 'x' | 't_x' | 'T'> => ({
  x: Float64Array.from(rows, (r) => r.x), t_x: Float64Array.from(rows, (r) => r.t_x), T: Float64Array.from(rows, (r) => r.T),
});

/**
 * The fits each request asks for, on its own summaries, made one request after another on a thread of their own
 * (fitWorker.ts) while the caller goes on: the same figures as fitFamily's here. Resolves to each request's fits in
 * order, or to why the thread could not make them (it could not start, failed as it loaded or in a fit): the caller
 * then fits them itself. `script` false (no compiled worker) answers so at once.
 */
export async function fitAway(requests: readonly FitRequest[], script: string | false = workerScript('btyd/fitWorker.js') ?? false): Promise<{ fits: FamilyFit[][] } | { failure: string }> {
  if (!script) return { failure: 'no compiled BTYD fitting thread' };
  let worker: Worker;
  try {
    worker = new Worker(script);
  } catch (err) {
    return { failure: (err as Error).stack ?? String(err) };
  }
  try {
    const fits: FamilyFit[][] = [];
    const answered = new Promise<string | undefined>((resolve) => {
      worker.on('message', (reply: FitReply) => {
        if ('error' in reply) resolve(reply.error);
        else if (fits.push(reply.fits) === requests.length) resolve(undefined);
      });
      worker.once('error', (err) => resolve(err.stack ?? err.message));
      worker.once('exit', (code) => resolve(`the BTYD fitting thread stopped (exit code ${code})`));
    });
    for (const request of requests) worker.postMessage(request);
    const failure = requests.length ? await answered : undefined;
    return failure === undefined ? { fits } : { failure };
  } finally {
    await worker.terminate();
  }
}

export async function fitBtydBeside(
  rows: readonly CustomerSummary[], calibrationEnd: string, options: FitOptions = {}, script: string | false = workerScript('btyd/fitWorker.js') ?? false,
): Promise<{ models: Omit<BtydModels, 'season'>; threaded: boolean; failure?: string }> {
  const limits = options.limits ?? {};
  const planned = plannedFits(options);
  const away = planned.filter(([family]) => family === 'pareto');
  const here = planned.filter(([family]) => family !== 'pareto');
  if (!script || rows.length === 0) return { models: fitBtyd(rows, calibrationEnd, options), threaded: false };
  // The thread starts (fitAway posts its request before it first waits); meanwhile here, the other candidates.
  const thread = fitAway([{ ...columnsOf(rows), fits: away, limits }], script);
  const made = new Map<string, FamilyFit>(here.map(([family, p]) => [fitKey(family, p), fitFamily(rows, family, limits, p)]));
  const reply = await thread;
  // Pareto/NBD's fits made here instead when the thread could not: the same figures, later.
  if ('failure' in reply) return { models: fitBtyd(rows, calibrationEnd, options, made), threaded: false, failure: reply.failure };
  away.forEach(([family, p], i) => made.set(fitKey(family, p), reply.fits[0]![i]!));
  return { models: fitBtyd(rows, calibrationEnd, options, made), threaded: true };
}
