import type { Worker } from 'node:worker_threads';
import { workerScript } from '../../pipeline/shared/workerScript.js';

/** The compiled worker script `path` (within pipeline/), as the pipeline finds it; the test command builds dist/ before the suites run. */
export function compiledWorker(path: string): string {
  const script = workerScript(path);
  if (!script) throw new Error(`no compiled ${path} in dist/: build first (npm run build)`);
  return script;
}

/** A worker thread's answer to one request: its next message, or the error it stops with. */
export function ask<Request, Reply>(worker: Worker, request: Request): Promise<Reply> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.postMessage(request);
  });
}
