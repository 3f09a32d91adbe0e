import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Logger } from '../log.js';

export { tf };

let chosen: string | undefined;

/**
 * Picks the fastest TensorFlow.js backend installed: tfjs-node (native
 * TensorFlow) when its optional package loads, otherwise WebAssembly
 * (measured here: about 4x faster to train and 20x faster to predict than
 * the pure-JS cpu backend; its threads do not work in Node, so the SIMD
 * build runs single-threaded), and the cpu backend as the last resort.
 * A missing optional backend is never an error. Returns the backend's name.
 */
export async function initBackend(log?: Logger, prefer?: 'tensorflow' | 'wasm' | 'cpu'): Promise<string> {
  if (chosen && (!prefer || prefer === chosen)) return chosen;
  const tried: string[] = [];
  if (!prefer || prefer === 'tensorflow') {
    try {
      // A variable specifier keeps bundlers and the type-checker from requiring the optional package.
      const name = '@tensorflow/tfjs-node';
      await import(name);
      if (await tf.setBackend('tensorflow')) return done('tensorflow');
    } catch (err) {
      tried.push(`tfjs-node not available (${(err as Error).message.split('\n')[0]})`);
    }
  }
  if (!prefer || prefer === 'wasm') {
    try {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const require = createRequire(import.meta.url);
      wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
      if (await tf.setBackend('wasm')) return done('wasm');
    } catch (err) {
      tried.push(`wasm failed (${(err as Error).message})`);
    }
  }
  await tf.setBackend('cpu');
  return done('cpu');

  function done(name: string): string {
    chosen = name;
    log?.info({ backend: name, skipped: tried }, `TensorFlow.js backend: ${name}`);
    return name;
  }
}
