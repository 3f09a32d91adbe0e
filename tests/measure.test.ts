import { expect, test } from 'vitest';
import { PeakMemory, recordedSteps, secondsSince, untimed } from '../pipeline/measure.js';

test('steps are recorded with their names and seconds, in the order they finish', async () => {
  const names: string[] = [];
  const { step, steps } = recordedSteps((name) => names.push(name));
  expect(await step('first', async () => 1)).toBe(1);
  await step('second', () => new Promise((r) => setTimeout(r, 30)));
  expect(steps.map((s) => s.name)).toEqual(['first', 'second']);
  expect(names).toEqual(['first', 'second']);
  expect(steps[1]!.seconds).toBeGreaterThanOrEqual(0.025);
  expect(await untimed('x', async () => 'y')).toBe('y');
  expect(secondsSince(performance.now() - 1500)).toBeCloseTo(1.5, 1);
});

test('the peak memory grows with an allocation and falls back after a reset (Linux)', () => {
  const memory = new PeakMemory();
  memory.reset();
  const before = memory.mib();
  const big = Buffer.alloc(200 << 20, 1);
  const after = memory.mib();
  expect(big.length).toBe(200 << 20);
  expect(after).toBeGreaterThanOrEqual(before + 150);
});
