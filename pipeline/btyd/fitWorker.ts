import { parentPort } from 'node:worker_threads';
import { fitFamily } from './fitBtyd.js';
import { rowsOf, type FitReply, type FitRequest } from './fitThread.js';

/*
 * The thread of fitBtydBeside and fitAway (fitThread.ts): for each request,
 * the fits it asks for on the summaries it gives, answered in the order asked.
 */
parentPort!.on('message', (request: FitRequest) => {
  let reply: FitReply;
  try {
    const rows = rowsOf(request);
    reply = { fits: request.fits.map(([family, penalty]) => fitFamily(rows, family, request.limits, penalty)) };
  } catch (err) {
    reply = { error: (err as Error).stack ?? String(err) };
  }
  parentPort!.postMessage(reply);
});
