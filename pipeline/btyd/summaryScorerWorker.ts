import { parentPort, workerData } from 'node:worker_threads';
import { summaryScorer } from './summaryScorer.js';
import type { ScoreReply, ScoreRequest, ScorerSetup } from './summaryScorerThread.js';

/*
 * The thread of a SummaryScorerThread: one scorer (summaryScorer.ts) made
 * from the models and options it was started with, given the batches in
 * order, answering each with its figures.
 */
const { models, options } = workerData as ScorerSetup;
const score = summaryScorer(models, options);
parentPort!.on('message', (request: ScoreRequest) => {
  let reply: ScoreReply;
  try {
    reply = { id: request.id, figures: score(request.columns, request.n) };
  } catch (err) {
    reply = { id: request.id, error: (err as Error).stack ?? String(err) };
  }
  parentPort!.postMessage(reply, 'figures' in reply ? Object.values(reply.figures).map((c) => c.buffer as ArrayBuffer) : []);
});
