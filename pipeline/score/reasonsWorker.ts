import { parentPort } from 'node:worker_threads';
import { boundedReasons } from './reasons.js';
import type { ReasonsReply, ReasonsRequest } from './reasonsPool.js';

/*
 * A reasons thread of the pool (reasonsPool.ts): it bounds one batch at a
 * time (reasons.ts, boundedReasons: no network, no backend) and answers
 * with its texts, its undecided rows and their model inputs.
 */
parentPort!.on('message', (request: ReasonsRequest) => {
  let reply: ReasonsReply;
  try {
    reply = { id: request.id, bounded: boundedReasons(request.plan, request.data, request.n, request.which) };
  } catch (err) {
    reply = { id: request.id, error: (err as Error).stack ?? String(err) };
  }
  parentPort!.postMessage(reply, 'bounded' in reply ? [reply.bounded.inputs.buffer as ArrayBuffer] : []);
});
