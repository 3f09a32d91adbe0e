import { expect, test } from 'vitest';
import { initBackend, tf } from '../../pipeline/learn/tfBackend.js';

test('the fastest backend that loads is chosen once (tfjs-node is not installed here: WebAssembly), and asking again returns it', async () => {
  const first = await initBackend();
  expect(['tensorflow', 'wasm', 'cpu']).toContain(first);
  expect(tf.getBackend()).toBe(first);
  expect(await initBackend()).toBe(first);
  const sum = tf.tidy(() => tf.add(tf.scalar(2), tf.scalar(3)).dataSync()[0]);
  expect(sum).toBe(5);
});
