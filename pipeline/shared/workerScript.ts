import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The compiled worker script `path` (within pipeline/, e.g. 'btyd/summaryScorerWorker.js'):
 * beside the compiled modules (dist/), or, when the sources run (a test runner), the one the
 * build put in dist/; undefined when neither exists (the caller then does the work on its own
 * thread). A worker thread runs JavaScript, not the TypeScript sources.
 */
export function workerScript(path: string): string | undefined {
  const beside = fileURLToPath(new URL(`../${path}`, import.meta.url));
  if (existsSync(beside)) return beside;
  const built = fileURLToPath(new URL(`../../dist/pipeline/${path}`, import.meta.url));
  return existsSync(built) ? built : undefined;
}
