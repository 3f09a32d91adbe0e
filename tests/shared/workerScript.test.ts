import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { workerScript } from '../../pipeline/shared/workerScript.js';

const dist = resolve(import.meta.dirname, '../../dist/pipeline');

describe('a worker thread\'s script', () => {
  test('from the sources is the compiled one the build put in dist/ (the test command builds first); a script that is not there is none', () => {
    for (const path of ['btyd/summaryScorerWorker.js', 'score/reasonsWorker.js', 'learn/trainWorker.js']) {
      expect(workerScript(path)).toBe(join(dist, path));
      expect(existsSync(workerScript(path)!)).toBe(true);
    }
    expect(workerScript('score/noSuchWorker.js')).toBeUndefined();
  });

  test('from the compiled modules is the one beside them', async () => {
    const compiled = (await import(pathToFileURL(join(dist, 'shared/workerScript.js')).href)) as { workerScript: typeof workerScript };
    expect(compiled.workerScript('btyd/summaryScorerWorker.js')).toBe(join(dist, 'btyd/summaryScorerWorker.js'));
    expect(compiled.workerScript('score/noSuchWorker.js')).toBeUndefined();
  });
});
