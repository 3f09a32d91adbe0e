import { parentPort } from 'node:worker_threads';
import { fitFamily } from './fitBtyd.js';
import { rowsOf, type FitReply, type FitRequest } from './fitThread.js';

/*
 * The thread of fitBtydBeside (fitThread.ts): the fits it is given, on the
 * summaries it is given, answered in the order asked.
 */
parentPort!.once('message', (request: FitRequest) => {
  let reply: FitReply;
  try {
    const rows = rowsOf(request);
    reply = { fits: request.fits.map(([family, penalty]) => fitFamily(rows, family, request.limits, penalty)) };
  } catch (err) {
    reply = { error: (err as Error).stack ?? String(err) };
  }
  parentPort!.postMessage(reply);
});
